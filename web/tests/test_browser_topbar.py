"""The top bar in a real headless Chromium: the bell's unread count follows "Mark read" without
a reload, and on a 375 px phone the count stays in sight beside a menu button that assistive
technology can reach (a named button saying whether the menu is open)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.notifications import notification_create
from accounts.tests.factories import PASSWORD
from econsim_project.testing import headless_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


def _signed_in(browser: Browser, base: str, width: int) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": width, "height": 800},
                                  is_mobile=width < 500)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_have_count(1)
    return context, page


@pytest.fixture
def three_unread(owner, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for day in (1, 2, 3):
        notification_create(user_id=owner.pk, kind="day_finished", title=f"Day {day} finished")


@pytest.mark.parametrize("width", [1280, 375])
def test_mark_read_lowers_the_bell_count_without_a_reload(browser, live_server, three_unread,
                                                          width):
    context, page = _signed_in(browser, live_server.url, width)
    page.goto(f"{live_server.url}/notifications/")
    bell = page.get_by_test_id("bell")
    expect(bell.locator(".bell-count")).to_have_text("3")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Mark read").first.click()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(2)
    expect(bell.locator(".bell-count")).to_have_text("2")
    expect(bell).to_have_attribute("aria-label", "2 unread notifications")
    assert page.evaluate("window.notReloaded") is True
    for left in (1, 0):
        page.get_by_role("button", name="Mark read").first.click()
        expect(page.get_by_role("button", name="Mark read")).to_have_count(left)
    expect(bell.locator(".bell-count")).to_have_count(0)
    context.close()


def test_on_a_phone_the_unread_count_sits_beside_an_accessible_menu_button(
        browser, live_server, three_unread):
    context, page = _signed_in(browser, live_server.url, 375)
    page.goto(f"{live_server.url}/")
    count = page.get_by_test_id("bell").locator(".bell-count")
    expect(count).to_be_visible()  # with the menu closed
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert menu.get_attribute("aria-hidden") is None
    badge, button = count.bounding_box(), menu.bounding_box()
    assert abs((badge["y"] + badge["height"] / 2) - (button["y"] + button["height"] / 2)) < 20
    assert 0 < button["x"] - (badge["x"] + badge["width"]) < 60  # just left of the button
    dashboard = page.locator("nav.nav >> text=Dashboard")
    expect(dashboard).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(dashboard).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(dashboard).to_be_hidden()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
