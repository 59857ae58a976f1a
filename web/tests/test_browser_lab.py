"""The strategy lab in a real headless Chromium with a live Celery worker, on a desktop and on
a 375 px phone: "Backtest this version" from the editor, the pre-filled form, the backtest
running and finishing on its own page (polled), the results with their charts and per-tick
rows, the CSV download; then "Replay this day with…" from the agent page, whose "as archived"
arm proves it reproduces the archive. Screenshots go to var/screenshots/ (git-ignored); with
ECONSIM_DOCS_SCREENSHOTS=1 to docs/screenshots/ as lab-desktop-*.png / lab-phone-*.png."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from accounts.models import CpuBucket
from accounts.tests.factories import PASSWORD, UserFactory
from econsim_project.testing import headless_chromium
from orchestration.runs import day_run_execute
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, DayRun, Simulation
from simulations.services import agent_claim, simulation_create
from web.tests.conftest import SMALL

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / (
    "docs" if os.environ.get("ECONSIM_DOCS_SCREENSHOTS") == "1" else "var") / "screenshots"
VIEWPORTS = {"desktop": 1280, "phone": 375}
V1 = """\
def decide(obs):
    memory = obs["memory"]
    memory["calls"] = memory.get("calls", 0) + 1
    print("v1 call", memory["calls"])
    return {"consume_share": 0.5, "memory": memory}
"""
V2 = """\
def decide(obs):
    memory = obs["memory"]
    memory["calls"] = memory.get("calls", 0) + 1
    print("v2 call", memory["calls"], "spends more")
    return {"consume_share": 0.9, "memory": memory}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=15_000)
    with headless_chromium() as browser:
        yield browser
    expect.set_options(timeout=5_000)


def _shot(page: Page, device: str, number: int, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"lab-{device}-{number}-{name}.png"), full_page=True)


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _run_day(simulation: Simulation) -> None:
    simulation.refresh_from_db()
    run = DayRun.objects.create(simulation=simulation, expected_tick=simulation.tick,
                                ticks_requested=simulation.ticks_per_day)
    assert day_run_execute(day_run_id=run.pk).outcome == "succeeded"


def _world(username: str):
    """Household 2 of the user, driven by v1 for two days of 2 ticks; v2 saved after."""
    world = simulation_create(name="Lab world", config=SMALL, seed=6, ticks_per_day=2,
                              status=Simulation.Status.RUNNING)
    user = UserFactory(username=username)
    agent = Agent.objects.get(simulation=world, agent_type="household", engine_id=2)
    agent_claim(simulation_id=world.pk, agent_id=agent.pk, user_id=user.pk)
    script = script_create(owner=user, name="spender", agent_type="household")
    v1 = script_version_create(script=script, source=V1, user=user)
    mount_create(simulation_id=world.pk, agent_id=agent.pk, version_id=v1.pk, user=user)
    _run_day(world)
    _run_day(world)
    script_version_create(script=script, source=V2, user=user)
    CpuBucket.objects.update_or_create(user=user, defaults={"bucket_ms": 20_000})
    return user, agent, script


def _wait_for_results(page: Page) -> None:
    """The page polls every 2 s and reloads itself once the backtest has ended."""
    expect(page.get_by_test_id("lab-status")).to_have_attribute("data-status", "succeeded",
                                                                 timeout=120_000)
    expect(page.get_by_test_id("lab-charts")).to_have_attribute("data-drawn", "1")


@pytest.mark.parametrize("device", VIEWPORTS)
def test_backtest_from_the_editor_and_replay_a_day_from_the_agent_page(
        browser: Browser, live_server, celery_live_worker, device, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user, agent, script = _world(f"lab-{device}")
    width = VIEWPORTS[device]
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")

        # The editor's "Backtest this version" opens the form, pre-filled.
        page.goto(f"{base}/scripts/{script.pk}/")
        page.get_by_test_id("backtest-v2").click()
        expect(page.locator("#id_version")).to_have_value(
            str(script.versions.get(number=2).pk))
        expect(page.locator("#id_agent")).to_have_value(str(agent.pk))
        expect(page.locator("#id_start_day")).to_have_value("2")  # the last day end
        expect(page.locator("#id_ticks")).to_have_value("2")  # one day
        for kind in ("candidate", "mounted", "baseline"):
            expect(page.locator(f"input[name=arms][value={kind}]")).to_be_checked()
        _fits(page)
        _shot(page, device, 1, "form")

        # A refused form says why at the field and keeps what was typed.
        page.fill("#id_ticks", "500")
        page.get_by_test_id("lab-start").click()
        expect(page.get_by_test_id("errors-ticks")).to_have_text("From 1 to 96 ticks.")
        page.fill("#id_ticks", "2")
        page.get_by_test_id("lab-start").click()

        # The backtest's page: progress while it runs, the results once it has finished.
        expect(page).to_have_url(re.compile(r"/lab/\d+/$"))
        assert page.url == f"{base}/lab/{_latest_id(user)}/"
        _wait_for_results(page)
        expect(page.get_by_test_id("summary-row")).to_have_count(3)
        expect(page.get_by_test_id("lab-validity")).to_contain_text("no archived tick")
        for chart in ("score", "net_worth", "income", "consumption", "macro_gdp",
                      "macro_unemployment_rate", "macro_cpi"):
            expect(page.get_by_test_id(f"lab-chart-{chart}")).to_be_visible()
        expect(page.get_by_test_id("tick-row")).to_have_count(2)
        # The candidate carries on from the mount's memory at the start (4 calls so far).
        expect(page.get_by_test_id("tick-log").first).to_have_text("v2 call 5 spends more")
        _fits(page)
        _shot(page, device, 2, "results")

        # The CSV: one line per arm and tick, the score filled.
        with page.expect_download() as download:
            page.get_by_test_id("lab-csv").click()
        rows = list(csv.DictReader(io.StringIO(
            Path(download.value.path()).read_text(encoding="utf-8"))))
        assert [(r["arm"], r["tick"]) for r in rows] == [
            ("0", "5"), ("0", "6"), ("1", "5"), ("1", "6"), ("2", "5"), ("2", "6")]
        assert all(r["score"] for r in rows)

        # The list of backtests, from the top bar.
        if width < 500:
            page.click(".nav-toggle")
        page.get_by_test_id("nav-lab").click()
        expect(page.get_by_test_id("lab-row")).to_have_count(1)
        expect(page.get_by_test_id("lab-row")).to_have_attribute("data-status", "succeeded")
        _fits(page)

        # "Replay this day with…" from the agent page: day 2 from its starting checkpoint.
        page.goto(f"{base}/agents/{agent.pk}/")
        page.get_by_test_id("replay-day-2").click()
        expect(page.locator("#id_start_day")).to_have_value("1")
        expect(page.locator("#id_agent")).to_have_value(str(agent.pk))
        # The candidate is the version that drove the agent that day; test v2 instead.
        expect(page.locator("#id_version")).to_have_value(
            str(script.versions.get(number=1).pk))
        page.select_option("#id_version", str(script.versions.get(number=2).pk))
        _fits(page)
        _shot(page, device, 3, "replay-form")
        page.get_by_test_id("lab-start").click()
        _wait_for_results(page)
        expect(page.get_by_test_id("lab-validity")).to_have_text(
            "As archived: 2 of 2 ticks reproduce the archived state.")
        page.get_by_test_id("arm-tab-1").click()
        expect(page.get_by_test_id("tick-row").first).to_contain_text("Accepted (as archived)")
        _fits(page)
        _shot(page, device, 4, "replay-results")
    finally:
        context.close()


def _latest_id(user) -> int:
    return user.backtests.order_by("-id").values_list("pk", flat=True).first()
