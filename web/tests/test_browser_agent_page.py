"""The agent page and the editor's dry run of unsaved text in a real headless Chromium, on a
desktop and on a 375 px phone: from the dashboard's agent card to the balance-sheet chart and
table, the trades and ledger with a filter and a CSV download, the script history across a
version switch and its pages; then a dry run of text that was never saved. Screenshots go to
var/screenshots/ (git-ignored); with ECONSIM_DOCS_SCREENSHOTS=1 to docs/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from econsim_project.testing import headless_chromium
from orchestration.runs import day_run_execute
from scripts_lib.models import ScriptVersion
from scripts_lib.services import (
    mount_create,
    rotation_schedule,
    script_create,
    script_version_create,
)
from simulations.models import Agent, DayRun, Simulation
from simulations.services import agent_claim, simulation_create
from web import agent_page
from web.tests.conftest import SMALL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / (
    "docs" if os.environ.get("ECONSIM_DOCS_SCREENSHOTS") == "1" else "var") / "screenshots"
VIEWPORTS = {"desktop": 1280, "phone": 375}
V1 = """\
def decide(obs):
    print("saving at", obs["tick"])
    if obs["tick"] == 2:
        return {"consume_share": 5.0}
    return {"consume_share": 0.5}
"""
V2 = 'def decide(obs):\n    print("v2 at", obs["tick"])\n    return {"consume_share": 0.6}\n'
UNSAVED = """\
def decide(obs):
    memory = obs["memory"]
    memory["seen"] = obs["tick"]
    print("unsaved text at", obs["tick"])
    return {"consume_share": 0.3, "memory": memory}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=15_000)  # a dry run's first sandbox start can be slow
    with headless_chromium() as browser:
        yield browser
    expect.set_options(timeout=5_000)




def _shot(page: Page, device: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"agent-page-{device}-{name}.png"), full_page=True)


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _run_day(simulation: Simulation) -> None:
    simulation.refresh_from_db()
    run = DayRun.objects.create(simulation=simulation, expected_tick=simulation.tick,
                                ticks_requested=simulation.ticks_per_day)
    assert day_run_execute(day_run_id=run.pk).outcome == "succeeded"


def _world(username: str):
    """Household 2 of the user: v1 for days 1-2, v2 on day 3 (6 ticks, 2 a day)."""
    world = simulation_create(name="Agent world", config=SMALL, seed=4, ticks_per_day=2,
                              status=Simulation.Status.RUNNING)
    user = UserFactory(username=username)
    agent = Agent.objects.get(simulation=world, agent_type="household", engine_id=2)
    agent_claim(simulation_id=world.pk, agent_id=agent.pk, user_id=user.pk)
    script = script_create(owner=user, name="saver", agent_type="household")
    v1 = script_version_create(script=script, source=V1, user=user)
    v2 = script_version_create(script=script, source=V2, user=user)
    mount = mount_create(simulation_id=world.pk, agent_id=agent.pk, version_id=v1.pk,
                         user=user)
    _run_day(world)
    rotation_schedule(simulation_id=world.pk, mount_id=mount.pk, version_id=v2.pk, user=user)
    _run_day(world)
    _run_day(world)
    return world, user, agent, script


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_agent_page_and_a_dry_run_of_unsaved_text(browser: Browser, live_server, device,
                                                     settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(agent_page, "PAGE_ROWS", 4)  # the script history takes two pages
    _sim, user, agent, script = _world(f"agent-{device}")
    width = VIEWPORTS[device]
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")

        # From the dashboard's card to the agent's page: the balance sheet tick by tick.
        page.goto(f"{live_server.url}/dashboard/")
        page.get_by_test_id("agent-household-2").get_by_test_id("agent-page-link").click()
        expect(page.get_by_test_id("agent-title")).to_have_text("Household 2")
        expect(page.get_by_test_id("agent-script")).to_contain_text("saver v2")
        expect(page.get_by_test_id("balance-chart")).to_have_attribute("data-drawn", "1")
        expect(page.get_by_test_id("balance-row")).to_have_count(4)  # a page of 4 of 6 ticks
        expect(page.get_by_test_id("balance-row").first).to_contain_text("after the tick")
        _fits(page)
        _shot(page, device, "1-balance")

        # Trades: the goods market only, and the CSV of exactly that.
        page.get_by_test_id("agent-tab-trades").click()
        page.select_option("#id_market", "goods")
        page.get_by_test_id("agent-filter-button").click()
        rows = page.get_by_test_id("trade-row")
        expect(rows.first).to_be_visible()
        for text in rows.all_inner_texts():
            assert "Goods" in text
        with page.expect_download() as download:
            page.get_by_test_id("agent-csv").click()
        lines = Path(download.value.path()).read_text().splitlines()
        assert lines[0].startswith("id,tick,market,buyer,seller")
        assert len(lines) > 1 and all(",goods," in line for line in lines[1:])
        assert all("household:2" in line for line in lines[1:])
        _fits(page)
        _shot(page, device, "2-trades")

        # The ledger, in words, its amounts in currency.
        page.get_by_test_id("agent-tab-ledger").click()
        expect(page.get_by_test_id("ledger-row").first).to_contain_text("$")
        _fits(page)

        # The script history spans the switch from v1 to v2, a page at a time.
        page.get_by_test_id("agent-tab-script").click()
        rows = page.get_by_test_id("script-row")
        expect(rows).to_have_count(4)
        expect(rows.nth(1)).to_contain_text("Rejected")
        expect(rows.nth(1)).to_contain_text("consume_share")
        expect(rows.nth(0)).to_contain_text("saving at 1")
        expect(rows.nth(0).get_by_test_id("script-row-version")).to_have_text("saver v1")
        _fits(page)
        _shot(page, device, "3-script-history")
        page.get_by_test_id("agent-next-page").click()
        expect(rows).to_have_count(2)
        expect(rows.nth(1)).to_contain_text("v2 at 6")
        expect(rows.nth(1).get_by_test_id("script-row-version")).to_have_text("saver v2")
        # The old version stays visible through the version filter.
        page.get_by_test_id("agent-first-page").click()
        page.select_option("#agent-version", label="saver v1")
        page.get_by_test_id("agent-filter-button").click()
        expect(rows).to_have_count(4)
        for text in rows.all_inner_texts():
            assert "saver v1" in text

        # The editor: dry-run text that is never saved, on this agent's observation.
        versions = ScriptVersion.objects.filter(script=script).count()
        page.goto(f"{live_server.url}/scripts/{script.pk}/")
        page.evaluate("(text) => window.econsimEditor.setValue(text)", UNSAVED)
        page.select_option("#text-dry-agent", str(agent.pk))
        page.get_by_test_id("text-dry-run-button").click()
        result = page.get_by_test_id("text-dry-run-result")
        expect(result.get_by_test_id("dry-run-verdict")).to_have_text("Valid decision")
        expect(result.get_by_test_id("dry-run-log")).to_have_text("unsaved text at 7\n")
        expect(result.get_by_test_id("dry-run-memory")).to_contain_text('"seen": 7')
        observation = result.get_by_test_id("dry-run-observation")
        expect(observation.locator("pre")).to_be_hidden()
        observation.locator("summary").click()
        expect(observation.locator("pre")).to_contain_text('"tick": 7')
        _fits(page)
        _shot(page, device, "4-unsaved-dry-run")
        assert ScriptVersion.objects.filter(script=script).count() == versions
    finally:
        context.close()
