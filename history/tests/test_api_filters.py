from __future__ import annotations

import pytest

from history.models import LedgerEntry, TickLog, Trade
from history.tests.conftest import history_url

pytestmark = pytest.mark.django_db


def _all(client, url: str, **params) -> list[dict]:
    rows, response = [], client.get(url, {"limit": 1000, **params})
    while True:
        assert response.status_code == 200, response.json()
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        response = client.get(response.json()["next"])


@pytest.mark.parametrize(
    ("table", "params", "field", "rule"),
    [
        ("ledger", {"tick_from": 3, "tick_to": 2}, "tick_from", "range"),
        ("ledger", {"tick_from": "soon"}, "tick_from", "invalid"),
        ("ledger", {"kind": "THEFT"}, "kind", "invalid_choice"),
        ("ledger", {"account": "swiss"}, "account", "invalid_choice"),
        ("ledger", {"agent": "household"}, "agent", "invalid"),
        ("ledger", {"agent": "dragon:1"}, "agent", "invalid"),
        ("ledger", {"limit": 1001}, "limit", "max_value"),
        ("ledger", {"limit": 0}, "limit", "min_value"),
        ("ledger", {"cursor": "!!nope"}, "cursor", "invalid"),
        ("ledger", {"cursor": "MS4x", "offset": 5}, "offset", "exclusive"),
        ("ledger", {"tick": 3}, "tick", "unknown_field"),
        ("trades", {"market": "housing"}, "market", "invalid_choice"),
        ("trades", {"tick_to": "1.5"}, "tick_to", "invalid"),
        ("tick_logs", {"level": "loud"}, "level", "invalid_choice"),
        ("tick_logs", {"day_from": 2, "day_to": 1}, "day_from", "range"),
        ("snapshots", {"day": "x"}, "day", "invalid"),
        ("aggregates", {"fields": "gdp,happiness"}, "fields", "unknown_field"),
        ("audit", {"tick_from": -1}, "tick_from", "min_value"),
    ],
)
def test_bad_filters_are_400s_naming_the_field(simulation, ingest, world_ticks, operator,
                                               client_for, table, params, field, rule):
    ingest(simulation, world_ticks[:1])  # the series names `fields` is checked against
    response = client_for(operator).get(history_url(simulation, table), params)
    assert response.status_code == 400
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


def test_ledger_filters_by_tick_range_kind_account_and_agent(archived, operator, client_for):
    client = client_for(operator)
    url = history_url(archived, "ledger")
    rows = _all(client, url, tick_from=2, tick_to=3, kind="WAGE")
    expected = LedgerEntry.objects.filter(simulation=archived, tick__in=[2, 3], kind="WAGE")
    assert len(rows) == expected.count() > 0
    assert {r["tick"] for r in rows} == {2, 3}
    assert rows[0]["debit_account"] == "dep_f" and rows[0]["credit_account"] == "dep_h"

    rows = _all(client, url, agent="household:1")
    assert rows and all("household:1" in (r["debit_agent"], r["credit_agent"]) for r in rows)
    assert len(rows) == LedgerEntry.objects.filter(simulation=archived).filter(
        debit_type=0, debit_id=1).count() + LedgerEntry.objects.filter(
        simulation=archived, credit_type=0, credit_id=1).exclude(
        debit_type=0, debit_id=1).count()

    rows = _all(client, url, account="ta", tick_to=1)
    assert rows and all("ta" in (r["debit_account"], r["credit_account"]) for r in rows)
    assert {r["kind"] for r in rows} >= {"TAX_H", "GOV_PURCHASE"}


def test_trades_filter_by_market_and_agent(archived, operator, client_for):
    client = client_for(operator)
    url = history_url(archived, "trades")
    rows = _all(client, url, market="goods", agent="firm:2", tick_from=4)
    goods = Trade.objects.filter(simulation=archived, tick__gte=4, market=0)
    assert len(rows) == (goods.filter(seller_type=1, seller_id=2) | goods.filter(
        buyer_type=1, buyer_id=2)).count() > 0
    assert all("firm:2" in (r["buyer"], r["seller"]) and r["market"] == "goods" for r in rows)
    credit = _all(client, url, market="credit", tick_to=2)
    assert len(credit) == Trade.objects.filter(simulation=archived, market=2,
                                               tick__lte=2).count()
    assert all(r["market"] == "credit" and r["tick"] <= 2 for r in credit)


def test_tick_logs_filter_by_day_level_and_message(archived, operator, client_for):
    client = client_for(operator)
    url = history_url(archived, "tick_logs")
    rows = _all(client, url, message="TICK 3", level="warning")
    assert [(r["tick"], r["message"]) for r in rows] == [(3, "tick 3 done")]
    rows = _all(client, url, day_from=1, day_to=1)
    assert {r["tick"] for r in rows} == {3, 4}
    assert len(_all(client, url)) == TickLog.objects.filter(simulation=archived).count()
    assert _all(client, url, level="error") == []


def test_aggregates_keep_only_the_requested_series(archived, operator, client_for):
    response = client_for(operator).get(history_url(archived, "aggregates"),
                                        {"fields": "gdp,cpi", "tick_from": 2, "tick_to": 3})
    rows = response.json()["results"]
    assert [r["tick"] for r in rows] == [2, 3]
    assert all(set(r["data"]) == {"gdp", "cpi"} for r in rows)


def test_snapshots_filter_by_day_and_agent(archived, operator, client_for):
    client = client_for(operator)
    rows = _all(client, history_url(archived, "snapshots"), day=1)
    assert len(rows) == 6 and {r["tick"] for r in rows} == {4}
    rows = _all(client, history_url(archived, "snapshots"), agent="household:3")
    assert [(r["day"], r["balance_sheet"]) for r in rows] == [(0, {"deposits": 300}),
                                                             (1, {"deposits": 300})]


def test_audit_lists_each_tick(archived, operator, client_for):
    rows = _all(client_for(operator), history_url(archived, "audit"))
    assert [r["tick"] for r in rows] == [1, 2, 3, 4]
    assert all(r["all_passed"] and r["invariants"]["I1"] for r in rows)
