"""The leaderboard page in a real headless Chromium, on a desktop and a 375 px phone: reached
from the dashboard, ranks as worked by hand (`orchestration/tests/leaderboard_world.py`), the
bar to beat, another window's ranks, and a script name hidden by its owner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD
from econsim_project.testing import headless_chromium
from orchestration.tests.leaderboard_world import leaderboard_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


def _signed_in(browser: Browser, base: str, username: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _ranks(page: Page) -> list[tuple[str, str]]:
    rows = page.get_by_test_id("board-firm").locator("tbody tr[data-testid^=row-firm-]")
    return [(rows.nth(i).get_by_test_id("rank").inner_text().strip(),
             rows.nth(i).get_attribute("data-testid")) for i in range(rows.count())]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_leaderboard_ranks_scripts_against_the_bar(browser, live_server, width):
    sim, _ = leaderboard_world()
    page = _signed_in(browser, live_server.url, "alice", width)
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_test_id(f"simulation-{sim.pk}").get_by_test_id("leaderboard-link").click()
    page.wait_for_url(f"**/simulations/{sim.pk}/leaderboard/")
    expect(page.get_by_test_id("leaderboard-day")).to_contain_text("day 8")

    # The default window, the last 7 days: only firm 2's script drove all of days 2-8.
    assert _ranks(page) == [("1", "row-firm-2"), ("—", "row-firm-5"), ("—", "row-firm-7")]
    board = page.get_by_test_id("board-firm")
    alice = board.get_by_test_id("row-firm-2")
    expect(alice).to_contain_text("Alice")
    expect(alice.get_by_test_id("script")).to_have_text("steady v1")
    expect(alice.get_by_test_id("last_7_days")).to_have_text("$2.00")
    expect(alice.get_by_test_id("since_mount")).to_contain_text("bar $3.20")
    expect(board.get_by_test_id("bar-last_7_days")).to_have_text("$2.80")
    expect(board.get_by_test_id("bar-last_day")).to_have_text("$0.40")
    expect(board.get_by_test_id("row-firm-5").get_by_test_id("script")).to_have_text("hidden")
    expect(page.get_by_test_id("board-bank")).to_contain_text(
        "No script drives an agent of this type here.")

    page.select_option("#rank-by", "last_day")
    page.get_by_test_id("rank-form").get_by_role("button").click()
    page.wait_for_url("**rank_by=last_day")
    # 5 and 7 tie at $0.30: the lower engine id first.
    assert _ranks(page) == [("1", "row-firm-5"), ("2", "row-firm-7"), ("3", "row-firm-2")]

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a {width} px screen"
    if width == 375:  # stacked rows: every cell says which column it is
        cell = page.get_by_test_id("board-firm").get_by_test_id("row-firm-5").get_by_test_id(
            "last_day")
        label = cell.evaluate("(e) => getComputedStyle(e, '::before').content")
        assert "Last day" in label
    page.context.close()


def test_an_owner_hides_a_script_name_from_the_leaderboard(browser, live_server):
    sim, users = leaderboard_world()
    page = _signed_in(browser, live_server.url, "alice", 1280)
    script = users["alice"].scripts.get(name="steady")
    page.goto(f"{live_server.url}/scripts/{script.pk}/")
    form = page.get_by_test_id("hide-name-form")
    form.locator("#hide-name").check()
    form.get_by_test_id("hide-name-button").click()
    expect(page.locator(".messages")).to_contain_text("hidden")
    page.goto(f"{live_server.url}/simulations/{sim.pk}/leaderboard/")
    row = page.get_by_test_id("board-firm").get_by_test_id("row-firm-2")
    expect(row.get_by_test_id("script")).to_have_text("hidden")
    expect(row).to_contain_text("Alice")
    script.refresh_from_db()
    assert script.hide_name is True
    page.context.close()
