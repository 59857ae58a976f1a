"""The script pages in a real headless Chromium: a rejected save leaves the browser on the
editor's own address (a reload shows the draft again and sends nothing), and a script is
renamed and deleted from its page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from econsim_project.testing import headless_chromium
from scripts_lib.models import ScriptVersion
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, Simulation
from simulations.services import agent_claim, simulation_create
from web.tests.conftest import SMALL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = 'def decide(obs):\n    return {"consume_share": 0.5}\n'
BROKEN = 'def decide(obs):\n    share = 0.3\n    return {"consume_share": share\n'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


@pytest.fixture
def writer(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="writer")


@pytest.fixture
def page(browser, live_server, writer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "writer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_have_count(1)
    yield page
    context.close()


def test_a_rejected_save_survives_a_reload_without_resubmitting(page, live_server, writer):
    script = script_create(owner=writer, name="draft", agent_type="household")
    editor_url = f"{live_server.url}/scripts/{script.pk}/"
    page.goto(editor_url)
    page.wait_for_function("() => window.econsimEditor !== undefined")
    page.evaluate("(src) => window.econsimEditor.setValue(src)", BROKEN)
    page.get_by_test_id("save-version").click()
    expect(page.locator(".cm-error-note")).to_have_attribute("data-line", "3")

    # The address is the editor's, not the form's target.
    assert page.url.startswith(editor_url) and "/versions/" not in page.url
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.reload()
    page.wait_for_function("() => window.econsimEditor !== undefined")
    assert posts == []
    # The typed text and its error are still there.
    assert page.evaluate("() => window.econsimEditor.getValue()") == BROKEN
    expect(page.locator(".cm-error-note")).to_have_attribute("data-line", "3")
    expect(page.get_by_test_id("draft-note")).to_be_visible()
    assert not ScriptVersion.objects.filter(script=script).exists()


def test_a_script_is_renamed_and_deleted_from_its_page_and_the_list_says_where_it_runs(
        page, live_server, writer):
    world = simulation_create(name="list-world", config=SMALL, seed=2, ticks_per_day=2,
                              status=Simulation.Status.RUNNING)
    agent = Agent.objects.get(simulation=world, agent_type="household", engine_id=1)
    agent_claim(simulation_id=world.pk, agent_id=agent.pk, user_id=writer.pk)
    mounted = script_create(owner=writer, name="mounted", agent_type="household")
    version = script_version_create(script=mounted, user=writer, source=SOURCE)
    mount_create(simulation_id=world.pk, agent_id=agent.pk, version_id=version.pk, user=writer)
    spare = script_create(owner=writer, name="spare", agent_type="household")

    page.goto(f"{live_server.url}/scripts/")
    row = page.get_by_test_id(f"script-row-{mounted.pk}")
    expect(row.get_by_test_id("script-mounts")).to_contain_text("list-world: Household 1 v1")
    row.get_by_role("link", name="Household 1").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/#agent-{agent.pk}")
    expect(page.locator(f"#agent-{agent.pk}")).to_be_visible()

    page.goto(f"{live_server.url}/scripts/{spare.pk}/")
    page.fill("#rename-name", "frugal")
    page.get_by_test_id("rename-button").click()
    expect(page.locator(".message.success")).to_contain_text("Renamed to frugal.")
    expect(page.get_by_test_id("script-name")).to_have_text("frugal")

    page.locator("[data-testid=script-settings] summary").click()
    page.get_by_test_id("delete-button").click()
    expect(page).to_have_url(f"{live_server.url}/scripts/")
    expect(page.locator(".message.success")).to_contain_text("Deleted frugal.")
    expect(page.get_by_test_id("script-list")).not_to_contain_text("frugal")

    # A mounted script offers no delete button and says why.
    page.goto(f"{live_server.url}/scripts/{mounted.pk}/")
    page.locator("[data-testid=script-settings] summary").click()
    expect(page.get_by_test_id("script-settings")).to_contain_text("unmount it everywhere first")
    expect(page.get_by_test_id("delete-button")).to_have_count(0)
