"""GET /api/simulations/{id}/history/balance/?agent=...: one row per tick, per-tick rows where
the agent had an owner and day-end snapshots elsewhere; paged, CSV, the history's rules."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction

from history.services import history_ingest_tick_balances
from history.tests.conftest import history_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def balances(archived):
    """Days end at ticks 2 and 4 (snapshots of households 0-4 and firm 2); household 1 was
    claimed before tick 3, so ticks 3 and 4 have per-tick rows."""
    with transaction.atomic():
        for tick in (3, 4):
            history_ingest_tick_balances(
                simulation_id=archived.pk, day=2, tick=tick,
                rows=[("household", 1, {"deposits": 1000 + tick}),
                      ("firm", 2, {"deposits": 70 + tick})])
    return archived


def _all(client, url, params) -> list[dict]:
    rows, page = [], client.get(url, params).json()
    rows += page["results"]
    while page["next"]:
        page = client.get(page["next"]).json()
        rows += page["results"]
    return rows


def test_one_row_per_tick_per_tick_rows_first_then_day_ends(balances, owner, client_for):
    body = client_for(owner).get(history_url(balances, "balance"),
                                 {"agent": "household:1"}).json()
    assert [(r["tick"], r["source"], r["balance_sheet"]["deposits"])
            for r in body["results"]] == [(2, "day_end", 100), (3, "tick", 1003),
                                          (4, "tick", 1004)]
    assert body["next"] is None
    assert {r["agent"] for r in body["results"]} == {"household:1"}


def test_pages_of_one_row_walk_the_same_rows_by_cursor_and_by_offset(balances, owner,
                                                                     client_for):
    client, url = client_for(owner), history_url(balances, "balance")
    whole = client.get(url, {"agent": "household:1"}).json()["results"]
    assert _all(client, url, {"agent": "household:1", "limit": 1}) == whole
    assert _all(client, url, {"agent": "household:1", "limit": 1, "offset": 0}) == whole
    ranged = client.get(url, {"agent": "household:1", "tick_from": 3, "tick_to": 3}).json()
    assert [r["tick"] for r in ranged["results"]] == [3]


def test_csv_has_every_row(balances, owner, client_for):
    response = client_for(owner).get(history_url(balances, "balance"),
                                     {"agent": "household:1", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["tick", "day", "source", "agent", "balance_sheet"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("2", "day_end"), ("3", "tick"), ("4", "tick")]


def test_another_agent_is_403_strangers_404_operators_see_any(balances, owner, other_user,
                                                            operator, client_for):
    url = history_url(balances, "balance")
    refused = client_for(owner).get(url, {"agent": "household:3"})
    assert refused.status_code == 403
    assert client_for(other_user).get(url, {"agent": "household:1"}).status_code == 404
    free = client_for(operator).get(url, {"agent": "household:3"}).json()["results"]
    assert [(r["tick"], r["source"]) for r in free] == [(2, "day_end"), (4, "day_end")]


@pytest.mark.parametrize(("params", "field", "rule"), [
    ({}, "agent", "required"),
    ({"agent": "household:²"}, "agent", "invalid"),
    ({"agent": "dragon:1"}, "agent", "invalid"),
    ({"agent": "household:1", "tick_from": "9", "tick_to": "2"}, "tick_from", "range"),
    ({"agent": "household:1", "tick_to": str(2**63)}, "tick_to", "max_value"),
    ({"agent": "household:1", "limit": "100000"}, "limit", "max_value"),
    ({"agent": "household:1", "cursor": "%%%"}, "cursor", "invalid"),
    ({"agent": "household:1", "colour": "red"}, "colour", "unknown_field"),
])
def test_hostile_query_strings_are_400_naming_field_and_rule(balances, owner, client_for,
                                                            params, field, rule):
    response = client_for(owner).get(history_url(balances, "balance"), params)
    assert response.status_code == 400
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]
