"""What the pages say after an action, in a real headless Chromium: no "Running" badge beside
"No day is running.", a mount card that reads as done right after a mount, and messages that are
sentences with human field labels (econsim_project.field_errors), never raw field names."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from econsim_project.testing import headless_chromium
from simulations.models import Simulation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAW_FIELD = re.compile(r"\b(agent|agent_type|simulation|status|script_version|mount)\s?:")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


def _signed_in(browser: Browser, base: str, username: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_have_count(1)
    return context, page


def test_an_idle_simulation_is_not_called_running(browser, live_server, simulation, household):
    context, page = _signed_in(browser, live_server.url, "owner")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_test_id("live")).to_contain_text("No day is running.")
    card = page.get_by_test_id(f"simulation-{simulation.pk}")
    expect(card.locator(".status")).to_have_text("Active")
    expect(card).not_to_contain_text("Running")
    context.close()


def test_right_after_a_mount_the_mount_card_says_it_is_done(browser, live_server, household,
                                                              version, script):
    context, page = _signed_in(browser, live_server.url, "owner")
    page.goto(f"{live_server.url}/scripts/{script.pk}/")
    page.get_by_test_id("mount-button").click()
    expect(page.locator(".message.success")).to_contain_text("Version 1 now drives")
    card = page.get_by_test_id("mount-card")
    expect(card).to_contain_text("Version 1 drives every household of yours.")
    expect(card).not_to_contain_text("already runs a script")
    context.close()


def test_a_refused_claim_reads_as_a_sentence_with_a_human_label(browser, live_server,
                                                                simulation, household):
    UserFactory(username="late")
    context, page = _signed_in(browser, live_server.url, "late")
    page.goto(f"{live_server.url}/dashboard/")
    page.select_option(f"#claim-type-{simulation.pk}", "household")
    page.fill(f"#claim-id-{simulation.pk}", str(household.engine_id))
    page.get_by_test_id("claim-button").click()
    error = page.locator(".message.error")
    expect(error).to_have_text("Agent: Another user has claimed this agent.")
    context.close()


def test_a_refused_run_says_what_and_why_in_a_sentence(browser, live_server, simulation,
                                                      operator):
    Simulation.objects.filter(pk=simulation.pk).update(status=Simulation.Status.PAUSED)
    context, page = _signed_in(browser, live_server.url, operator.username)
    page.goto(f"{live_server.url}/operator/")
    page.get_by_test_id("run-day").click()
    error = page.get_by_test_id("task-error")
    expect(error).to_have_text(
        "web-world: no day was run. Status: The simulation is paused; resume it first.")
    assert not RAW_FIELD.search(error.inner_text())
    context.close()

