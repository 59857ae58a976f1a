"""A person and an operator in a real headless Chromium against the live server: sign up, claim
an agent, write a script with an error and see it at its line, fix it, dry-run it, mount it;
an operator runs a day on a live Celery worker; the person's charts move without a reload and
a notification arrives. Screenshots go to var/screenshots/ (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from econsim_project.testing import headless_chromium
from simulations.models import Agent, DayRun, Simulation
from simulations.services import simulation_create
from web.tests.conftest import SMALL
from web.views import dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

BROKEN = 'def decide(obs):\n    share = 0.4\n    return {"consume_share": share\n'
FIXED = ('def decide(obs):\n    share = 0.4\n    print("share", share, "at tick", obs["tick"])\n'
         '    return {"consume_share": share}\n')


@pytest.fixture(scope="module", autouse=True)
def _patient_assertions() -> Iterator[None]:
    """expect() waits 5 s by default; a dry run's first sandbox start or a page drawn while
    two cores also run a worker can take longer."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium() as browser:
        yield browser


def _context(browser: Browser, width: int = 1280) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    context.set_default_timeout(15_000)
    return context


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_have_count(1)  # hidden in a phone's menu


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.fixture
def world(transactional_db) -> Simulation:
    return simulation_create(name="web-world", config=SMALL, seed=5, ticks_per_day=2,
                             status=Simulation.Status.RUNNING)


def _set_source(page, source: str) -> None:
    """Type into the script editor once editor.js has built it (the page's elements can be
    visible before its scripts have run)."""
    page.wait_for_function("() => window.econsimEditor !== undefined")
    page.evaluate("(src) => window.econsimEditor.setValue(src)", source)


@pytest.mark.services  # the operator's day runs on a live Celery worker (a broker, PostgreSQL)
def test_a_user_scripts_an_agent_and_sees_the_day_an_operator_runs(
        browser: Browser, live_server, world, celery_live_worker, settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The live server runs in this process: an idle dashboard polls every second instead of
    # every ten, so the test waits less for the page to notice the finished day.
    monkeypatch.setattr(dashboard, "POLL_IDLE", "1s")
    base = live_server.url
    UserFactory(username="central", is_staff=True)
    user_context = _context(browser)
    page = user_context.new_page()

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", "keynes")
    page.fill("input[name=email]", "keynes@example.com")
    page.fill("input[name=password1]", "animal-spirits-1936")
    page.fill("input[name=password2]", "animal-spirits-1936")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_contain_text("keynes")

    # Claim the first free household.
    page.goto(f"{base}/dashboard/")
    page.select_option(f"#claim-type-{world.pk}", "household")
    page.get_by_test_id("claim-button").click()
    expect(page.locator(".message.success")).to_contain_text("You now own household:0")
    expect(page.get_by_test_id("agent-household-0")).to_contain_text("Net worth")
    _shot(page, "desktop-dashboard-claimed.png")

    # A script with a syntax error: refused, the message sits at line 3 of the editor.
    page.goto(f"{base}/scripts/")
    page.fill("#id_name", "cautious saver")
    page.select_option("#id_agent_type", "household")
    page.click("[data-testid=script-create] button[type=submit]")
    expect(page.get_by_test_id("script-name")).to_have_text("cautious saver")
    _set_source(page, BROKEN)
    page.get_by_test_id("save-version").click()
    note = page.locator(".cm-error-note")
    expect(note).to_have_count(1)
    expect(note).to_have_attribute("data-line", "3")
    expect(note).to_contain_text("syntax error")
    expect(page.locator(".CodeMirror .cm-error-marker[data-line='3']")).to_have_count(1)
    # The highlighted line is the third line of the editor.
    third = page.locator(".CodeMirror-code > div").nth(2)
    expect(third).to_contain_text('return {"consume_share": share')
    expect(third.locator(".cm-error-line")).to_have_count(1)
    _shot(page, "desktop-editor-error-at-line.png")

    # Fixed: saved as version 1, no error left.
    _set_source(page, FIXED)
    page.get_by_test_id("save-version").click()
    expect(page.locator(".message.success")).to_contain_text("Saved version 1.")
    expect(page.locator(".cm-error-note")).to_have_count(0)

    # Dry run against the claimed household: decision, validation, output and CPU.
    page.get_by_test_id("dry-run-button").click()
    expect(page.get_by_test_id("dry-run-verdict")).to_have_text("Valid decision")
    expect(page.get_by_test_id("dry-run-decision")).to_contain_text('"consume_share": 0.4')
    expect(page.get_by_test_id("dry-run-log")).to_contain_text("share 0.4 at tick 1")
    expect(page.get_by_test_id("dry-run-cpu")).to_contain_text("ms CPU")
    _shot(page, "desktop-dry-run.png")

    page.get_by_test_id("mount-button").click()
    expect(page.locator(".message.success")).to_contain_text("now drives household:0")
    expect(page.get_by_test_id("mounts")).to_contain_text("v1 since tick 1")

    # The economy tab is open, with no tick yet, while the operator runs a day elsewhere.
    page.goto(f"{base}/dashboard/")
    page.get_by_test_id("tab-economy").click()
    gdp = page.get_by_test_id("chart-gdp")
    expect(gdp).to_have_attribute("data-points", "0")

    operator_context = _context(browser)
    operator = operator_context.new_page()
    _log_in(operator, base, "central")
    operator.goto(f"{base}/admin/")
    operator.click("#operator-dashboard-link a")
    expect(operator.get_by_test_id(f"op-sim-{world.pk}")).to_contain_text("Active")
    operator.get_by_test_id("run-day").click()
    task = operator.get_by_test_id("task")
    expect(task).to_have_attribute("data-outcome", "succeeded", timeout=60_000)
    expect(task).to_contain_text("2 of 2 ticks")
    expect(operator.get_by_test_id(f"op-sim-{world.pk}")).to_contain_text("tick 2, day 1")
    expect(operator.get_by_test_id("op-invariants")).to_have_text("all hold")
    _shot(operator, "desktop-operator-ran-a-day.png")
    operator_context.close()

    # No reload: the live strip notices the new ticks and the charts redraw with them.
    expect(gdp).to_have_attribute("data-points", "2", timeout=25_000)
    expect(page.get_by_test_id("rates-now")).to_have_text(re.compile(
        r"At tick 2: policy rate -?\d+\.\d\d %, average loan rate -?\d+\.\d\d %"))
    _shot(page, "desktop-economy-after-a-day.png")

    # The same poll brought the notification of the day's end to the bell; the mounted script
    # decided both ticks.
    expect(page.locator(".bell-count")).to_have_text("1")
    page.get_by_test_id("tab-agents").click()
    expect(page.get_by_test_id("agent-household-0")).to_contain_text("share 0.4 at tick 2")
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("web-world: day 1 finished")
    _shot(page, "desktop-notification.png")
    assert Agent.objects.get(owner__username="keynes").ref == ("household", 0)
    user_context.close()


@pytest.fixture
def scripted_world(world):
    """A user with a mounted script in a world that has run a day (for the phone pages)."""
    from orchestration.advance import simulation_advance
    from scripts_lib.services import mount_create, script_create, script_version_create
    from simulations.services import agent_claim

    user = UserFactory(username="phone")
    UserFactory(username="central", is_staff=True)
    agent = Agent.objects.get(simulation=world, agent_type="household", engine_id=2)
    agent_claim(simulation_id=world.pk, agent_id=agent.pk, user_id=user.pk)
    script = script_create(owner=user, name="thrifty", agent_type="household")
    script_version_create(script=script, user=user, source=FIXED)
    version = script_version_create(script=script, user=user, source=FIXED.replace("0.4", "0.6"))
    mount_create(simulation_id=world.pk, agent_id=agent.pk, version_id=version.pk, user=user)
    simulation_advance(simulation_id=world.pk, expected_tick=0, ticks=2)
    # A day half done, as the pages show it while a worker runs it.
    DayRun.objects.create(simulation=world, expected_tick=2, ticks_requested=2, ticks_done=1,
                          outcome=DayRun.Outcome.RUNNING)
    return script


def _fits_a_phone(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    small = page.evaluate("""() => [...document.querySelectorAll(
        'main button, main .button, main select, main .tabs a, main summary, main .radio-cell')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])
        .filter(([, h]) => h < 43.5)""")
    assert small == [], f"{page.url}: tap targets under 44 px: {small}"


def test_the_key_pages_fit_a_375px_phone(browser: Browser, live_server, world, scripted_world,
                                         settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    base = live_server.url
    context = _context(browser, width=375)
    page = context.new_page()
    _log_in(page, base, "phone")
    pages = [("dashboard", "/dashboard/"), ("economy", "/dashboard/?tab=economy"),
             ("scripts-tab", "/dashboard/?tab=scripts"), ("failures", "/dashboard/?tab=failures"),
             ("scripts", "/scripts/"), ("editor", f"/scripts/{scripted_world.pk}/"),
             ("notifications", "/notifications/")]
    for name, path in pages:
        page.goto(f"{base}{path}")
        if name == "economy":
            expect(page.get_by_test_id("chart-gdp")).to_have_attribute("data-points", "2")
        if name == "dashboard":
            expect(page.get_by_test_id("run-progress")).to_contain_text("1 of 2 ticks")
        _fits_a_phone(page)
        _shot(page, f"phone-{name}.png")
    # The diff opens below the editor and still fits.
    page.goto(f"{base}/scripts/{scripted_world.pk}/")
    page.get_by_test_id("diff-button").click()
    expect(page.get_by_test_id("diff")).to_contain_text("0.6")
    _fits_a_phone(page)
    _shot(page, "phone-diff.png")
    # The menu collapses behind the toggle.
    dashboard_link = page.locator("nav.nav >> text=Dashboard")
    expect(dashboard_link).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(dashboard_link).to_be_visible()
    _shot(page, "phone-menu-open.png")

    context.close()

    context = _context(browser, width=375)
    page = context.new_page()
    _log_in(page, base, "central")
    page.goto(f"{base}/operator/")
    expect(page.get_by_test_id("operator-simulations")).to_contain_text("web-world")
    expect(page.get_by_test_id(f"op-sim-{world.pk}")).to_contain_text(
        "1/2 · Running")
    _fits_a_phone(page)
    _shot(page, "phone-operator.png")
    context.close()


def test_the_language_switcher_turns_the_site_into_simplified_chinese(browser: Browser,
                                                                      live_server, owner):
    context = _context(browser)
    page = context.new_page()
    _log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#lang-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url.endswith("/dashboard/")
    _shot(page, "desktop-dashboard-zh-hans.png")
    context.close()
