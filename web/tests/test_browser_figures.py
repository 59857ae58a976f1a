"""The dashboard's balance sheets in a real headless Chromium, on a desktop and a 375 px phone:
human labels (web/figures.py), money as currency, no number broken over two lines, and no raw
cents in the agent's state either."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from accounts.tests.factories import PASSWORD
from econsim_project.testing import headless_chromium
from orchestration.advance import simulation_advance
from simulations.models import Agent
from simulations.services import agent_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONEY = re.compile(r"^-?\$\d{1,3}(,\d{3})*\.\d{2}$")
RAW_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")  # net_worth, inventory_value, ...
# A figure's rendered lines: a one-line box is under 1.5 line heights tall.
ONE_LINE = """(el) => {
  const style = getComputedStyle(el);
  return {whiteSpace: style.whiteSpace, lines: el.getBoundingClientRect().height
          / parseFloat(style.lineHeight || "20"), text: el.innerText};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


@pytest.fixture
def firm(simulation, owner) -> Agent:
    agent = Agent.objects.get(simulation=simulation, agent_type="firm", engine_id=0)
    return agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)


@pytest.mark.parametrize("width", [1280, 375])
def test_balance_sheets_read_like_a_finance_app(browser: Browser, live_server, simulation,
                                                household, firm, width):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/dashboard/")

    sheet = page.get_by_test_id("agent-firm-0").get_by_test_id("balance-sheet")
    expect(sheet).to_be_visible()
    labels = sheet.locator("dt").all_inner_texts()
    # A new simulation runs model v2: its firms also hold capital and issue shares.
    assert labels == ["Deposits", "Inventory value", "Inventory", "Loans", "Capital value",
                      "Capital stock", "Shares outstanding", "Net worth"]
    values = sheet.locator("dd")
    assert values.count() == len(labels)
    for i in range(values.count()):
        shown = values.nth(i).evaluate(ONE_LINE)
        assert shown["whiteSpace"] == "nowrap", shown
        assert shown["lines"] < 1.5, shown
        if labels[i] in ("Inventory", "Capital stock"):
            assert re.fullmatch(r"[\d,]+ units", shown["text"]), shown
        elif labels[i] == "Shares outstanding":
            assert re.fullmatch(r"[\d,]+", shown["text"]), shown
        else:
            assert MONEY.match(shown["text"]), shown
    assert not RAW_KEY.search(sheet.inner_text())

    page.get_by_test_id("agent-firm-0").locator("summary").first.click()
    state = page.get_by_test_id("agent-firm-0").get_by_test_id("agent-state")
    expect(state).to_be_visible()
    text = state.inner_text()
    assert not RAW_KEY.search(text)
    assert re.search(r"Revenue\s+-?\$[\d,]+\.\d{2}", text)
    assert re.search(r"Markup\s+[\d.]+ %", text)
    for value in state.locator("dd").all():
        assert not re.fullmatch(r"\d{4,}", value.inner_text())  # no bare cents
    context.close()
