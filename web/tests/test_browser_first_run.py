"""The first-run path in a real headless Chromium, on a desktop and on a 375 px phone: a new
user signs up, lands on "Get started", claims a household, makes the starter script their own,
dry-runs it, mounts it and, once a day has run, sees their script's first tick on the same page
without reloading it. Screenshots of the path go to var/screenshots/ (git-ignored); with
ECONSIM_DOCS_SCREENSHOTS=1 they refresh the ones kept in docs/screenshots/."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from econsim_project.testing import headless_chromium
from orchestration.advance import simulation_advance
from scripts_lib.models import Mount
from simulations.models import Schedule, Simulation
from simulations.schedules import schedule_save
from simulations.services import simulation_create
from web.tests.conftest import SMALL
from web.views import get_started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / (
    "docs" if os.environ.get("ECONSIM_DOCS_SCREENSHOTS") == "1" else "var") / "screenshots"
VIEWPORTS = {"desktop": 1280, "phone": 375}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=15_000)  # a dry run's first sandbox start can be slow
    with headless_chromium() as browser:
        yield browser
    expect.set_options(timeout=5_000)


def _shot(page: Page, device: str, number: int, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"first-run-{device}-{number}-{name}.png"), full_page=True)


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _state(page: Page, step: str, state: str) -> None:
    expect(page.get_by_test_id(f"step-{step}")).to_have_attribute("data-state", state)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_a_new_user_goes_from_sign_up_to_the_first_tick_of_their_script(
        browser: Browser, live_server, device, settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(get_started, "POLL", "1s")  # the test waits less for the first tick
    world = simulation_create(name="Baseline economy", config=SMALL, seed=5, ticks_per_day=2,
                              status=Simulation.Status.RUNNING)
    schedule_save(simulation_id=world.pk, kind=Schedule.Kind.INTERVAL, every_minutes=10)
    width = VIEWPORTS[device]
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    context.set_default_timeout(15_000)
    try:
        _walk_the_path(context.new_page(), live_server.url, world, device)
    finally:
        context.close()


def _walk_the_path(page: Page, base: str, world: Simulation, device: str) -> None:
    started = time.monotonic()

    # A visitor reads what the platform is and signs up.
    page.goto(f"{base}/")
    expect(page.locator("h1")).to_have_text("Run an economy. Script its agents.")
    expect(page.get_by_text("How it works")).to_be_visible()
    _fits(page)
    _shot(page, device, 1, "home")
    page.get_by_test_id("home-next").click()
    page.fill("input[name=username]", f"newcomer-{device}")
    page.fill("input[name=email]", f"newcomer-{device}@example.com")
    page.fill("input[name=password1]", "animal-spirits-1936")
    page.fill("input[name=password2]", "animal-spirits-1936")
    page.click("button[type=submit]")

    # Sign-up lands on the one page of the path; only the first step can be taken.
    expect(page).to_have_url(f"{base}/get-started/")
    _state(page, "claim", "next")
    for step in ("script", "dry_run", "mount", "first_tick"):
        _state(page, step, "blocked")
    expect(page.get_by_test_id("step-mount").get_by_test_id("reason")).to_have_text(
        "Claim an agent first.")
    _fits(page)
    _shot(page, device, 2, "claim")

    page.select_option("#gs-simulation", str(world.pk))
    page.select_option("#gs-agent-type", "household")
    page.get_by_test_id("gs-claim").click()
    _state(page, "claim", "done")
    expect(page.get_by_test_id("claimed")).to_have_text(
        "You own Household 0 in Baseline economy.")
    _state(page, "script", "next")
    expect(page.get_by_test_id("step-script")).to_contain_text("Buffer-stock household")

    page.get_by_test_id("gs-script").click()
    _state(page, "script", "done")
    _state(page, "dry_run", "next")
    _state(page, "mount", "blocked")
    expect(page.get_by_test_id("step-mount").get_by_test_id("reason")).to_contain_text(
        "Dry-run the script first")
    _fits(page)
    _shot(page, device, 3, "starter-script")

    page.get_by_test_id("gs-dry-run").click()
    expect(page.get_by_test_id("gs-dry-run-verdict")).to_have_text("Valid decision")
    _state(page, "dry_run", "done")
    _state(page, "mount", "next")
    _fits(page)
    _shot(page, device, 4, "dry-run")

    page.get_by_test_id("gs-mount").click()
    _state(page, "mount", "done")
    expect(page.get_by_test_id("mounted")).to_contain_text("drives Household 0 from tick 1.")
    _state(page, "first_tick", "next")
    waiting = page.get_by_test_id("step-first_tick")
    expect(waiting.get_by_test_id("first-tick-waiting")).to_have_text(
        "Your script first decides at tick 1; the simulation is at tick 0.")
    # When the world moves next: by the schedule (every mode runs a worker and beat).
    expect(waiting.get_by_test_id("reason")).to_contain_text("The next scheduled day is due at")
    _fits(page)
    _shot(page, device, 5, "waiting-for-the-first-tick")
    user_seconds = time.monotonic() - started

    # An operator's day runs; the open page notices by itself (it polls the last step).
    simulation_advance(simulation_id=world.pk, expected_tick=0, ticks=world.ticks_per_day)
    _state(page, "first_tick", "done")
    expect(page.get_by_test_id("first-tick-done")).to_contain_text(
        "Tick 1 has run: your script decided for Household 0.")
    expect(page.get_by_test_id("first-tick-log")).to_contain_text("spend share")
    expect(page.get_by_test_id("first-tick-decision")).to_contain_text("consume_share")
    _fits(page)
    _shot(page, device, 6, "first-tick")
    print(f"\n{device}: sign-up to a mounted script {user_seconds:.1f} s, "
          f"to the first tick on the page {time.monotonic() - started:.1f} s")
    assert Mount.objects.get(agent__owner__username=f"newcomer-{device}").since_tick == 1

    # From now on the home page and log-in send the user to the dashboard.
    page.goto(f"{base}/")
    expect(page.get_by_test_id("greeting")).to_contain_text("Welcome back")
    expect(page.get_by_test_id("home-next")).to_have_attribute("href", "/dashboard/")
