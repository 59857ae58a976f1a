from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from history.models import AgentSnapshot, LedgerEntry, TickAudit, TickLog, Trade
from history.pagination import Query, rows_iterate
from history.tests.conftest import history_url

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_ledger_csv_streams_every_matching_row(archived, operator, client_for):
    rows = _csv(client_for(operator).get(history_url(archived, "ledger"),
                                         {"format": "csv", "tick_to": 2, "limit": 5}))
    assert rows[0] == ["id", "tick", "phase", "kind", "debit_account", "debit_agent",
                       "credit_account", "credit_agent", "amount"]
    entries = LedgerEntry.objects.filter(simulation=archived, tick__lte=2).order_by("tick", "id")
    assert [int(r[0]) for r in rows[1:]] == list(entries.values_list("id", flat=True))
    assert sum(int(r[8]) for r in rows[1:]) == sum(entries.values_list("amount", flat=True))
    wage = next(r for r in rows[1:] if r[3] == "WAGE")
    assert wage[4:8] == ["dep_f", wage[5], "dep_h", wage[7]] and wage[5].startswith("firm:")


@pytest.mark.parametrize(("table", "model", "header"), [
    ("tick_logs", TickLog, ["id", "tick", "day", "level", "message", "context", "recorded_at"]),
    ("trades", Trade, ["id", "tick", "market", "buyer", "seller", "quantity", "price",
                       "value"]),
    ("snapshots", AgentSnapshot, ["id", "day", "tick", "agent", "balance_sheet", "state"]),
    ("audit", TickAudit, ["tick", "day", "all_passed", "invariants", "tfm", "sector_saving",
                          "state_hash", "rejected_decisions"]),
])
def test_each_list_exports_as_csv(archived, operator, client_for, table, model, header):
    rows = _csv(client_for(operator).get(history_url(archived, table), {"format": "csv"}))
    assert rows[0] == header
    assert len(rows) - 1 == model.objects.filter(simulation=archived).count() > 0


def test_aggregates_csv_has_one_column_per_series(archived, operator, client_for):
    rows = _csv(client_for(operator).get(history_url(archived, "aggregates"),
                                         {"format": "csv", "fields": "gdp,cpi"}))
    assert rows[0] == ["tick", "day", "gdp", "cpi"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    everything = _csv(client_for(operator).get(history_url(archived, "aggregates"),
                                               {"format": "csv"}))
    assert {"gdp", "unemployment_rate", "deposits"} <= set(everything[0])


def test_participants_exports_hold_only_their_agents(archived, owner, client_for):
    rows = _csv(client_for(owner).get(history_url(archived, "trades"), {"format": "csv"}))
    assert len(rows) > 1
    assert all({"household:1", "firm:2"} & {r[3], r[4]} for r in rows[1:])


def test_a_bad_filter_on_an_export_is_still_a_400_in_the_apis_error_shape(archived, operator,
                                                                          client_for):
    response = client_for(operator).get(history_url(archived, "ledger"),
                                        {"format": "csv", "kind": "THEFT"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["rule"] == "invalid_choice"


def test_exports_read_in_chunks_so_size_is_unbounded(archived):
    rows = Trade.objects.filter(simulation=archived)
    ids = [t.id for t in rows_iterate(query=Query(rows=rows), chunk=7)]
    assert ids == list(rows.order_by("tick", "id").values_list("id", flat=True))
    assert len(ids) > 20
    logs = TickLog.objects.filter(simulation=archived)
    assert len(list(rows_iterate(query=Query(rows=logs), chunk=1))) == logs.count()


def test_accept_text_csv_also_exports(archived, operator, client_for):
    rows = _csv(client_for(operator).get(history_url(archived, "audit"),
                                         HTTP_ACCEPT="text/csv"))
    assert rows[0][0] == "tick" and len(rows) == 5


def test_log_lines_cannot_smuggle_spreadsheet_formulas(simulation, ingest, world_ticks,
                                                       operator, client_for):
    from history.services import history_ingest_tick

    ingest(simulation, world_ticks[:1])
    result = world_ticks[1]
    history_ingest_tick(simulation_id=simulation.pk, day=0, result=result,
                        logs=[("error", '=HYPERLINK("http://evil")', {})])
    rows = _csv(client_for(operator).get(history_url(simulation, "tick_logs"),
                                         {"format": "csv", "level": "error"}))
    assert [r[4] for r in rows[1:]] == ['\'=HYPERLINK("http://evil")']
