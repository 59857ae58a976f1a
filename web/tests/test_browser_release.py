"""A person releases an agent from the dashboard in a real headless Chromium: the agent leaves
their dashboard, its script is unmounted, and the claim form offers only the agent types users
may claim (no government, no central bank)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from accounts.tests.factories import PASSWORD, UserFactory
from econsim_project.testing import headless_chromium
from scripts_lib.models import Mount
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, Simulation
from simulations.services import agent_claim, simulation_create
from web.tests.conftest import SMALL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


def test_releasing_an_agent_from_the_dashboard_unmounts_its_script(browser, live_server,
                                                                   settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = simulation_create(name="release-world", config=SMALL, seed=3, ticks_per_day=2,
                              status=Simulation.Status.RUNNING)
    user = UserFactory(username="giver")
    agent = Agent.objects.get(simulation=world, agent_type="household", engine_id=4)
    kept = Agent.objects.get(simulation=world, agent_type="firm", engine_id=1)
    for claimed in (agent, kept):
        agent_claim(simulation_id=world.pk, agent_id=claimed.pk, user_id=user.pk)
    script = script_create(owner=user, name="saver", agent_type="household")
    version = script_version_create(script=script, user=user,
                                    source="def decide(obs):\n    return {}\n")
    mount = mount_create(simulation_id=world.pk, agent_id=agent.pk, version_id=version.pk,
                         user=user)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "giver")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/dashboard/")
    row = page.get_by_test_id("agent-household-4")
    expect(row).to_contain_text("saver v1")
    offered = page.locator(f"#claim-type-{world.pk} option").evaluate_all(
        "(options) => options.map((o) => o.value)")
    assert offered == ["household", "firm", "bank"]

    row.get_by_test_id("release-button").click()
    expect(page.locator(".messages")).to_contain_text("household:4")
    expect(page.get_by_test_id("agent-household-4")).to_have_count(0)
    expect(page.get_by_test_id("agent-firm-1")).to_have_count(1)
    context.close()

    agent.refresh_from_db()
    assert agent.owner_id is None
    mount.refresh_from_db()
    assert not mount.active and mount.unmounted_why == Mount.Why.RELEASED
