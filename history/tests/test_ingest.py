from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.test.utils import CaptureQueriesContext

from history.blocks import BUCKET_SIZE, LEDGER, TRADES, entries_unpack
from history.models import (
    AgentSnapshot,
    LedgerEntry,
    TickAggregate,
    TickAudit,
    TickLog,
    Trade,
)
from history.services import history_ingest_snapshots, history_ingest_tick
from simulations.engine import TickResult

pytestmark = pytest.mark.django_db


def _trade_totals(trades: dict) -> tuple[int, int, bool]:
    """(rows, cents, flat?) of the engine's trades, in either shape it may hand over."""
    if "amount" in trades:
        return len(trades["amount"]), int(trades["amount"].sum()), True
    return (sum(len(m["value"]) for m in trades.values()),
            sum(int(m["value"].sum()) for m in trades.values()), False)


def test_a_real_engine_tick_is_archived_to_the_cent(simulation, world_ticks):
    result = world_ticks[0]
    stats = history_ingest_tick(simulation_id=simulation.pk, day=0, result=result)

    postings = result.postings
    assert stats.ledger_entries == sum(len(p["amount"]) for p in postings) > 1000
    ledger = LedgerEntry.objects.filter(simulation=simulation, tick=result.tick)
    assert ledger.aggregate(s=Sum("amount"))["s"] == sum(int(p["amount"].sum()) for p in postings)
    by_kind = Counter()
    for p in postings:
        by_kind[p["kind"]] += int(p["amount"].sum())
    stored = dict(ledger.values_list("kind").annotate(s=Sum("amount")).values_list("kind", "s"))
    assert stored == dict(by_kind)
    wage = next(p for p in postings if p["kind"] == "WAGE")
    row = ledger.filter(kind="WAGE").order_by("id").first()
    assert (row.debit_type, row.debit_id, row.credit_type, row.credit_id, row.amount) == (
        1, int(wage["src"][0]), 0, int(wage["dst"][0]), int(wage["amount"][0]))

    trades = Trade.objects.filter(simulation=simulation, tick=result.tick)
    count, value, flat = _trade_totals(result.trades)
    assert stats.trades == trades.count() == count > 0
    assert trades.aggregate(s=Sum("value"))["s"] == value
    # The flat shape reports no quantity or price; the per-market shape always does.
    assert trades.filter(quantity=None).count() == (count if flat else 0)

    aggregate = TickAggregate.objects.get(simulation=simulation, tick=result.tick)
    assert aggregate.data["gdp"] == result.aggregates["gdp"]
    audit = TickAudit.objects.get(simulation=simulation, tick=result.tick)
    assert audit.all_passed and audit.invariants == result.audit["invariants"]
    assert audit.tfm["WAGE"]["household"] == result.audit["tfm"]["WAGE"]["household"]
    assert audit.state_hash == result.state_hash


@pytest.mark.services
def test_postgresql_ingestion_copies_the_big_tables_instead_of_inserting(simulation,
                                                                         world_ticks):
    assert connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as queries:
        stats = history_ingest_tick(simulation_id=simulation.pk, day=0, result=world_ticks[0],
                                    logs=[("info", "hello", {})])
    assert stats.copy
    inserts = " ".join(q["sql"] for q in queries if q["sql"].startswith("INSERT"))
    for table in ("history_ledgerentry", "history_trade", "history_ticklog",
                  "history_ledgeragenttick", "history_tradeagenttick"):
        assert f'"{table}"' not in inserts
    assert '"history_ledgerbatch"' in inserts  # a few dozen rows: one INSERT
    assert LedgerEntry.objects.filter(simulation=simulation).count() == stats.ledger_entries
    assert TickLog.objects.filter(simulation=simulation).count() == 1


def _result(tick: int, trades: dict) -> TickResult:
    return TickResult(tick=tick, aggregates={"gdp": np.int64(5)}, postings=[], trades=trades,
                      audit={"invariants": {"I1": True, "I2": False}, "tfm": {}},
                      state_hash="ab" * 32, rejected=[{"agent": "x"}],
                      log=["engine line"])


def test_per_market_trades_keep_quantity_and_price(simulation):
    col = np.array
    trades = {
        "goods": {"buyer_type": col([0, 4]), "buyer": col([5, 0]), "seller_type": col([1, 1]),
                  "seller": col([2, 3]), "quantity": col([3, 10]), "price": col([650, 700]),
                  "value": col([1950, 7000])},
        "labour": {"buyer_type": col([1]), "buyer": col([2]), "seller_type": col([0]),
                   "seller": col([7]), "quantity": col([1]), "price": col([500000]),
                   "value": col([500000])},
        "credit": {k: col([], dtype=np.int64) for k in ("buyer_type", "buyer", "seller_type",
                                                        "seller", "quantity", "price", "value")},
    }
    stats = history_ingest_tick(simulation_id=simulation.pk, day=0, result=_result(1, trades))
    assert stats.trades == 3
    rows = list(Trade.objects.filter(simulation=simulation).order_by("id").values_list(
        "market", "buyer_type", "buyer_id", "seller_type", "seller_id", "quantity", "price",
        "value"))
    assert rows == [(0, 0, 5, 1, 2, 3, 650, 1950), (0, 4, 0, 1, 3, 10, 700, 7000),
                    (1, 1, 2, 0, 7, 1, 500000, 500000)]
    audit = TickAudit.objects.get(simulation=simulation)
    assert not audit.all_passed and audit.rejected_decisions == 1
    assert TickAggregate.objects.get(simulation=simulation).data == {"gdp": 5}


def test_unknown_markets_and_log_levels_are_refused(simulation):
    bad = {"housing": {"value": np.array([1])}}
    with pytest.raises(ValueError, match="housing"):
        history_ingest_tick(simulation_id=simulation.pk, day=0, result=_result(1, bad))
    with pytest.raises(ValueError, match="loud"):
        history_ingest_tick(simulation_id=simulation.pk, day=0, result=_result(2, {}),
                            logs=[("loud", "x", {})])


def test_logs_keep_engine_lines_at_info_then_the_orchestrators(simulation):
    history_ingest_tick(simulation_id=simulation.pk, day=3, result=_result(7, {}),
                        logs=[("error", "script failed", {"agent": "household:1",
                                                          "n": np.int64(2)})])
    rows = list(TickLog.objects.filter(simulation=simulation).order_by("id").values_list(
        "tick", "day", "level", "message", "context"))
    assert rows == [(7, 3, "info", "engine line", {}),
                    (7, 3, "error", "script failed", {"agent": "household:1", "n": 2})]


def test_day_end_snapshots_are_archived(simulation):
    count = history_ingest_snapshots(
        simulation_id=simulation.pk, day=4, tick=10,
        rows=[("household", 1, {"deposits": np.int64(12)}, {"employed": True}),
              ("bank", 0, {"reserves": 5}, {})])
    assert count == 2
    rows = AgentSnapshot.objects.filter(simulation=simulation).order_by("agent_type")
    assert [(r.agent_type, r.agent_id, r.day, r.tick, r.balance_sheet) for r in rows] == [
        (0, 1, 4, 10, {"deposits": 12}), (2, 0, 4, 10, {"reserves": 5})]
    with pytest.raises(ValueError, match="alien"):
        history_ingest_snapshots(simulation_id=simulation.pk, day=5, tick=12,
                                 rows=[("alien", 1, {}, {})])
    assert AgentSnapshot.objects.values("day").annotate(n=Count("id")).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ingestion_outside_a_transaction_writes_nothing(simulation, world_ticks):
    with pytest.raises(RuntimeError, match="transaction"):
        history_ingest_tick(simulation_id=simulation.pk, day=0, result=world_ticks[0])
    assert not LedgerEntry.objects.exists()


def _sides(rows, left: str, right: str) -> dict[tuple[int, int, int], list[int]]:
    """(tick, agent type, agent id) -> ids of the rows the agent is on, from the rows."""
    found: dict[tuple[int, int, int], set[int]] = {}
    for row in rows:
        for side in (left, right):
            key = (row.tick, getattr(row, f"{side}_type"), getattr(row, f"{side}_id"))
            found.setdefault(key, set()).add(row.id)
    return {key: sorted(ids) for key, ids in found.items()}


@pytest.mark.parametrize("archive", [LEDGER, TRADES], ids=["ledger", "trades"])
def test_every_row_is_in_one_batch_and_indexed_under_both_of_its_agents(
        simulation, world_ticks, archive):
    for result in world_ticks[:2]:
        history_ingest_tick(simulation_id=simulation.pk, day=0, result=result)
    rows = list(archive.rows.objects.filter(simulation=simulation).order_by("id"))
    assert len(rows) > 500
    batches = archive.batches.objects.filter(simulation=simulation).order_by("first_id")
    covered = []
    by_id = {row.id: row for row in rows}
    for batch in batches:
        members = [by_id[i] for i in range(batch.first_id, batch.first_id + batch.count)]
        assert {r.tick for r in members} == {batch.tick}
        for field in archive.batch_fields:
            assert {getattr(r, field) for r in members} == {getattr(batch, field)}
        covered += [r.id for r in members]
    assert covered == [row.id for row in rows]  # each row once, no id outside a batch

    left, right = archive.sides
    indexed = {}
    for t in archive.agent_ticks.objects.filter(simulation=simulation):
        ids, members = entries_unpack(t.entries)
        for member in np.unique(members):
            agent_id = t.bucket * BUCKET_SIZE + int(member)
            indexed[(t.tick, t.agent_type, agent_id)] = ids[members == member].tolist()
    assert indexed == _sides(rows, left, right)


def test_a_ticks_ids_are_one_block_after_the_previous_ticks(simulation, world_ticks):
    for result in world_ticks[:3]:
        history_ingest_tick(simulation_id=simulation.pk, day=0, result=result)
    spans = [(t, lo, hi) for t, lo, hi in LedgerEntry.objects.filter(simulation=simulation)
             .values_list("tick").annotate(lo=Min("id"), hi=Max("id")).order_by("tick")]
    for (tick, lo, hi), (_, next_lo, _) in itertools.pairwise(spans):
        assert hi < next_lo
        assert LedgerEntry.objects.filter(simulation=simulation, tick=tick).count() == \
            hi - lo + 1


def test_an_agent_id_outside_the_index_range_is_refused_and_nothing_is_written(simulation):
    from django.db import transaction

    bad = {"goods": {"buyer_type": np.array([0]), "buyer": np.array([-1]),
                     "seller_type": np.array([1]), "seller": np.array([2]),
                     "quantity": np.array([1]), "price": np.array([5]), "value": np.array([5])}}
    with pytest.raises(ValueError, match="buyer_id"), transaction.atomic():
        history_ingest_tick(simulation_id=simulation.pk, day=0, result=_result(1, bad))
    assert not Trade.objects.filter(simulation=simulation).exists()
    assert not TickLog.objects.filter(simulation=simulation).exists()
