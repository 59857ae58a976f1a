"""The economy tab in a real headless Chromium: every chart shades a shock and marks where a day
begins, its tooltip names the tick, the day and the shock, the rates chart draws the banks'
rates, the simulation picker shows the whole name, an inverted range says so instead of drawing
empty charts, and each chart's CSV link follows the range."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD
from econsim_project.testing import headless_chromium
from orchestration.advance import simulation_advance
from simulations.models import Agent, Simulation
from simulations.services import agent_claim, shock_create, simulation_create
from web.charts import CHART_IDS
from web.tests.conftest import SMALL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
LONG_NAME = "Baseline economy with a rather long name"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium() as browser:
        yield browser


@pytest.fixture
def shocked_world(transactional_db, owner) -> Simulation:
    """Four ticks, two days, an income shock in force at ticks 2 and 3; the owner has a
    household in it."""
    world = simulation_create(name=LONG_NAME, config=SMALL, seed=5, ticks_per_day=2,
                              status=Simulation.Status.RUNNING)
    agent = Agent.objects.get(simulation=world, agent_type="household", engine_id=1)
    agent_claim(simulation_id=world.pk, agent_id=agent.pk, user_id=owner.pk)
    shock_create(simulation_id=world.pk, spec={
        "type": "income", "target": {"all": True}, "params": {"cents_per_household": 10_000},
        "start_tick": 2, "duration_ticks": 2})
    simulation_advance(simulation_id=world.pk, expected_tick=0, ticks=4)
    return world


def _open_economy(browser: Browser, base: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/dashboard/?tab=economy")
    expect(page.get_by_test_id("chart-gdp")).to_have_attribute("data-points", "4")
    return page


def _tooltip_at(page: Page, chart: str, index: int) -> dict:
    """Hover the chart's point `index` and read what Chart.js puts in its tooltip."""
    canvas = page.locator(f"canvas[data-chart={chart}]")
    canvas.scroll_into_view_if_needed()
    point = page.evaluate("""([chart, i]) => {
        const c = Chart.getChart(document.querySelector(`canvas[data-chart=${chart}]`));
        const p = c.getDatasetMeta(0).data[i];
        return {x: p.x, y: p.y};
    }""", [chart, index])
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    return page.evaluate("""(chart) => {
        const t = Chart.getChart(document.querySelector(`canvas[data-chart=${chart}]`)).tooltip;
        return {title: t.title, afterBody: t.afterBody};
    }""", chart)


def test_the_charts_explain_shocks_days_and_rates(browser: Browser, live_server, owner,
                                                  shocked_world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page = _open_economy(browser, live_server.url, 1280)
    for chart in CHART_IDS:
        canvas = page.locator(f"canvas[data-chart={chart}]")
        expect(canvas).to_have_attribute("data-shock-bands", "1")
        expect(canvas).to_have_attribute("data-day-lines", "1")
    expect(page.get_by_test_id("economy-shocks")).to_have_text(
        "Shocks in this range (shaded on the charts): Income shock, ticks 2\u20133.")
    rates = page.evaluate("""() => Chart.getChart(document.querySelector(
        'canvas[data-chart=rates]')).data.datasets.map((d) => [d.label, d.data.length])""")
    assert rates == [["Policy rate", 4], ["Average loan rate", 4],
                     ["Average deposit rate", 4]]
    tooltip = _tooltip_at(page, "gdp", 1)
    assert tooltip == {"title": ["tick 2 · day 1"], "afterBody": ["Income shock, ticks 2\u20133"]}
    assert _tooltip_at(page, "rates", 3) == {"title": ["tick 4 · day 2"], "afterBody": []}
    page.screenshot(path=str(SHOTS / "desktop-economy-shock.png"), full_page=True)

    # The picker is as wide as the simulation's name.
    fits = page.evaluate("""() => {
        const select = document.getElementById('economy-simulation');
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = getComputedStyle(select).font;
        const text = ctx.measureText(select.options[select.selectedIndex].text).width;
        return [text, select.clientWidth];
    }""")
    assert fits[0] + 24 <= fits[1], f"the picker is cut: text {fits[0]} px in {fits[1]} px"

    # A range drawn: the CSV links follow it and give the chart's points.
    page.fill("#id_tick_from", "2")
    page.click("#economy-form button[type=submit]")
    expect(page.get_by_test_id("chart-gdp")).to_have_attribute("data-points", "3")
    link = page.get_by_test_id("csv-gdp")
    expect(link).to_have_attribute(
        "href", f"/dashboard/economy/{shocked_world.pk}/series/gdp.csv?tick_from=2")
    body = page.context.request.get(live_server.url + link.get_attribute("href")).text()
    assert [row.split(",")[0] for row in body.strip().split("\n")] == ["tick", "2", "3", "4"]

    # An inverted day range: a message, and no stale lines left on the charts.
    page.fill("#id_tick_from", "")
    page.fill("#id_day_from", "2")
    page.fill("#id_day_to", "1")
    page.click("#economy-form button[type=submit]")
    expect(page.get_by_test_id("economy-errors")).to_have_text(
        "The day range is inverted: no tick lies from day 2 to day 1. Put the earlier day "
        "first.")
    expect(page.get_by_test_id("chart-gdp")).to_have_attribute("data-points", "0")
    page.screenshot(path=str(SHOTS / "desktop-economy-inverted-range.png"), full_page=True)

    # A range after the last tick: said in words too.
    page.fill("#id_day_from", "9")
    page.fill("#id_day_to", "")
    page.click("#economy-form button[type=submit]")
    expect(page.get_by_test_id("economy-errors")).to_have_text("")
    expect(page.get_by_test_id("economy-none-in-range")).to_have_text(
        "No tick falls in this range; the simulation has run to tick 4.")
    page.context.close()


def test_the_economy_tab_fits_a_phone_with_a_long_simulation_name(browser: Browser, live_server,
                                                                 owner, shocked_world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page = _open_economy(browser, live_server.url, 375)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the economy tab scrolls sideways by {overflow}px"
    expect(page.locator("canvas[data-chart=gdp]")).to_have_attribute("data-shock-bands", "1")
    page.screenshot(path=str(SHOTS / "phone-economy-shock.png"), full_page=True)
    page.context.close()
