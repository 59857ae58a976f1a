"""A person in a real headless Chromium: sign up, log out, log in, edit the profile."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from econsim_project.testing import headless_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_sign_up_log_in_and_edit_profile(page: Page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", "ricardo")
    page.fill("input[name=email]", "ricardo@example.com")
    page.fill("input[name=password1]", "comparative-advantage-1817")
    page.fill("input[name=password2]", "comparative-advantage-1817")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_contain_text("ricardo")

    page.get_by_role("button", name="Log out").first.click()
    if page.url.endswith("/accounts/logout/"):  # allauth asks to confirm a GET-started logout
        page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_have_count(0)

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "ricardo")
    page.fill("input[name=password]", "comparative-advantage-1817")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-chip")).to_be_visible()

    page.goto(f"{base}/accounts/profile/")
    page.fill("input[name=nickname]", "David R.")
    avatar = tmp_path / "face.png"
    Image.new("RGB", (400, 300), "green").save(avatar)
    page.set_input_files("input[name=avatar]", str(avatar))
    page.click("button:has-text('Save profile')")
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.get_by_test_id("profile-name")).to_have_text("David R.")
    expect(page.get_by_test_id("user-chip")).to_contain_text("David R.")
    src = page.get_by_test_id("profile-avatar").get_attribute("src")
    assert src.startswith("/media/avatars/")
    image = page.request.get(f"{base}{src}")
    assert image.ok
    assert Image.open(io.BytesIO(image.body())).size == (256, 256)


def test_wrong_password_shows_an_error_on_the_login_page(page: Page, live_server, owner):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "owner")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".auth-card")).to_contain_text("not correct")
    expect(page.get_by_test_id("user-chip")).to_have_count(0)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_pages_fit_a_375px_phone_with_a_collapsible_menu(browser: Browser, live_server, path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    login_link = page.locator("nav.nav >> text=Log in")
    expect(login_link).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(login_link).to_be_visible()
    context.close()


def _quota_cells(page: Page, name: str) -> list[str]:
    return page.locator(f"[data-quota='{name}'] td").all_inner_texts()


def test_the_quota_table_reads_each_kind_of_limit_for_what_it_is(
        page: Page, live_server, owner, settings):
    """Two scripts of twenty kept; 60 ms of CPU stored in the burst bucket."""
    from accounts.cpu_bucket import cpu_bucket_settle
    from accounts.tests.factories import PASSWORD
    from scripts_lib.services import script_create

    settings.SCRIPTS_MAX_PER_USER = 20
    settings.SCRIPT_CPU_MS_PER_TICK = 100
    for name in ("saver", "spender"):
        script_create(owner=owner, name=name, agent_type="household")
    cpu_bucket_settle(user_id=owner.pk, used_ms=40)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/accounts/profile/")

    headers = page.locator("[data-testid=quotas] th").all_inner_texts()
    assert headers == ["Quota", "Used / limit", "Left", "Refills"]
    label, used, left, refills = _quota_cells(page, "scripts.count")
    assert (label, used, left) == ("Strategy scripts", "2 / 20 scripts", "18 scripts")
    assert "CPU" not in refills and "stored" not in used
    label, used, left, refills = _quota_cells(page, "scripts.source_bytes")
    assert "CPU" not in refills and "stored" not in used
    assert left == "—"  # a limit on each version: nothing is used up
    label, used, left, refills = _quota_cells(page, "script_cpu.bucket")
    assert (used, left) == ("60 / 10,000 ms stored", "60 ms")
    assert "unused CPU" in refills
    label, used, left, refills = _quota_cells(page, "script_cpu.ms_per_tick")
    assert (used, left, refills) == ("40 / 100 ms", "60 ms", "every tick")
