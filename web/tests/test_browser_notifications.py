"""A script the strike rule took off its agent, seen in a real headless Chromium: the
notification's link opens the dashboard's failures tab, a page, not a JSON API answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from accounts.models import Notification
from accounts.tests.factories import PASSWORD
from econsim_project.testing import headless_chromium
from orchestration.advance import simulation_advance
from scripts_lib.services import mount_create, script_version_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAILING = 'def decide(obs):\n    raise ValueError("no plan for tick %s" % obs["tick"])\n'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as browser:
        yield browser


def test_the_unmount_notice_opens_the_failures_tab(browser, live_server, simulation, household,
                                                     script, owner, settings):
    settings.SCRIPT_STRIKES_TO_UNMOUNT = 1
    version = script_version_create(script=script, source=FAILING, user=owner)
    mount_create(simulation_id=simulation.pk, agent_id=household.pk, version_id=version.pk,
                 user=owner)
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    assert Notification.objects.filter(user=owner, kind="script_unmounted").count() == 1

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/notifications/")
    page.locator(".notification", has_text="unmounted").get_by_role("link", name="Open").click()
    page.wait_for_load_state()
    assert page.url.endswith("/dashboard/?tab=failures")
    panel = page.get_by_test_id("panel-failures")
    expect(panel).to_contain_text("no plan for tick 1")
    expect(panel).to_contain_text("saver v1")
    context.close()
