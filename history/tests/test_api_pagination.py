from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history.models import LedgerEntry
from history.tests.conftest import history_url

pytestmark = pytest.mark.django_db


def test_cursor_pages_see_every_row_once_while_ticks_are_appended(
        archived, ingest, world_ticks, operator, client_for):
    client = client_for(operator)
    response = client.get(history_url(archived, "ledger"), {"limit": 700})
    seen, appended = [], iter([world_ticks[4:5], world_ticks[5:6]])
    while True:
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        batch = next(appended, None)
        if batch:  # the orchestrator archives a new tick between two page fetches
            ingest(archived, batch)
        if not body["next"]:
            break
        assert "cursor=" in body["next"] and "limit=700" in body["next"]
        response = client.get(body["next"])
    expected = list(LedgerEntry.objects.filter(simulation=archived)
                    .order_by("tick", "id").values_list("id", flat=True))
    assert seen == expected  # nothing skipped, nothing repeated, in order
    assert LedgerEntry.objects.filter(simulation=archived, tick=6).exists()


def test_a_participants_pages_merge_both_sides_of_each_of_their_agents(
        archived, owner, client_for):
    client = client_for(owner)
    response = client.get(history_url(archived, "ledger"), {"limit": 7})
    seen = []
    while True:
        seen += [(row["tick"], row["id"]) for row in response.json()["results"]]
        if not response.json()["next"]:
            break
        response = client.get(response.json()["next"])
    mine = LedgerEntry.objects.filter(simulation=archived).filter(
        debit_type=0, debit_id=1) | LedgerEntry.objects.filter(
        simulation=archived, credit_type=0, credit_id=1) | LedgerEntry.objects.filter(
        simulation=archived, debit_type=1, debit_id=2) | LedgerEntry.objects.filter(
        simulation=archived, credit_type=1, credit_id=2)
    assert seen == list(mine.order_by("tick", "id").values_list("tick", "id"))
    assert len(seen) > 14


def test_offset_pages_still_work_for_older_clients(archived, operator, client_for):
    client = client_for(operator)
    url = history_url(archived, "audit")
    first = client.get(url, {"limit": 3, "offset": 0}).json()
    assert [r["tick"] for r in first["results"]] == [1, 2, 3]
    assert "offset=3" in first["next"] and "cursor" not in first["next"]
    second = client.get(first["next"]).json()
    assert [r["tick"] for r in second["results"]] == [4]
    assert second["next"] is None
    skipped = client.get(url, {"limit": 2, "offset": 1}).json()
    assert [r["tick"] for r in skipped["results"]] == [2, 3]


def test_default_page_size_and_no_next_on_the_last_page(archived, operator, client_for,
                                                        settings):
    settings.HISTORY_PAGE_SIZE = 2
    body = client_for(operator).get(history_url(archived, "aggregates")).json()
    assert [r["tick"] for r in body["results"]] == [1, 2]
    body = client_for(operator).get(body["next"]).json()
    assert [r["tick"] for r in body["results"]] == [3, 4] and body["next"] is None


@pytest.mark.parametrize(("table", "queries"), [
    ("ledger", 5), ("trades", 5), ("tick_logs", 3), ("snapshots", 3)])
def test_a_pages_queries_do_not_grow_with_its_size(archived, owner, client_for, table, queries):
    # The simulation, the user's agents, the page; the ledger and trades read each of the
    # owner's two agents' id lists first (history.block_pages).
    client = client_for(owner)  # authenticated without a query: force_authenticate
    for limit in (5, 500):
        with CaptureQueriesContext(connection) as context:
            body = client.get(history_url(archived, table), {"limit": limit}).json()
        assert body["results"]
        assert len(context) == queries, (limit, [q["sql"] for q in context.captured_queries])
