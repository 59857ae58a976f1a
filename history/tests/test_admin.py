from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_browser(operator) -> Client:
    browser = Client()
    browser.force_login(operator)
    return browser


@pytest.mark.parametrize("model", ["ticklog", "trade", "ledgerentry", "agentsnapshot",
                                   "tickaggregate", "tickaudit"])
def test_operators_browse_the_archive_read_only(archived, operator_browser, model):
    page = operator_browser.get(f"/admin/history/{model}/")
    assert page.status_code == 200
    assert operator_browser.get(f"/admin/history/{model}/add/").status_code == 403


def test_operators_download_the_recent_logs_from_the_admin(archived, operator_browser):
    assert b"Download recent logs" in operator_browser.get("/admin/history/ticklog/").content
    response = operator_browser.get("/admin/history/ticklog/recent/",
                                    {"simulation": archived.pk, "ticks": 1})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "tick", "day"]
    assert {r[1] for r in rows[1:]} == {"4"}
    bad = operator_browser.get("/admin/history/ticklog/recent/", {"simulation": "x"})
    assert bad.status_code == 400


def test_other_users_cannot_reach_the_download(archived, other_user):
    browser = Client()
    browser.force_login(other_user)
    response = browser.get("/admin/history/ticklog/recent/", {"simulation": archived.pk})
    assert response.status_code == 302  # to the admin login


def test_the_ledger_list_shows_rows_without_counting_a_big_table(archived, operator_browser):
    page = operator_browser.get("/admin/history/ledgerentry/")
    assert page.context["cl"].result_count > 1000
    assert len(page.context["cl"].result_list) == 50
