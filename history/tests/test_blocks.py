"""Id blocks (history.blocks, history.block_pages): pages computed from the batch and
per-agent tables list exactly what a plain filter over the rows would, in order, whatever
the read sizes; the migration's backfill rebuilds those tables from the rows alone."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from django.db import connection
from django.db.models import Q

from history import block_pages
from history.blocks import LEDGER, TRADES, ids_reserve
from history.models import LedgerEntry, Trade
from history.pagination import page_fetch
from history.postings import kinds_touching
from history.selectors import Access, ledger_query, trades_query
from history.services import history_forget_after
from simulations.engine import TickResult

pytestmark = pytest.mark.django_db


def _walk(query, limit: int, offsets: bool = False) -> list[tuple[int, int]]:
    """Every (tick, id) of the list, page by page (cursor or offset)."""
    seen, after, offset = [], None, 0
    while True:
        page = (page_fetch(query=query, offset=offset, limit=limit) if offsets
                else page_fetch(query=query, after=after, limit=limit))
        seen += [(row.tick, row.id) for row in page.rows]
        if not page.has_more:
            return seen
        after, offset = page.after, offset + limit


def _truth(model, simulation, condition: Q) -> list[tuple[int, int]]:
    return list(model.objects.filter(condition, simulation=simulation)
                .order_by("tick", "id").values_list("tick", "id"))


def _agent(side_a: str, side_b: str, agent_type: int, agent_id: int) -> Q:
    return (Q(**{f"{side_a}_type": agent_type, f"{side_a}_id": agent_id})
            | Q(**{f"{side_b}_type": agent_type, f"{side_b}_id": agent_id}))


@pytest.fixture
def small_reads(monkeypatch):
    """Reads far smaller than the pages, so every merge and chunk boundary is crossed."""
    monkeypatch.setattr(block_pages, "AGENT_CHUNK", 1)
    monkeypatch.setattr(block_pages, "BATCH_CHUNK", 2)


def test_a_participants_ledger_pages_merge_their_agents_across_read_boundaries(
        archived, ingest, world_ticks, small_reads):
    ingest(archived, world_ticks[4:])
    mine = _agent("debit", "credit", 0, 1) | _agent("debit", "credit", 1, 2)
    participant = Access(simulation=archived, operator=False, agents=((0, 1), (1, 2)))
    expected = _truth(LedgerEntry, archived, mine)
    assert len(expected) > 40
    for limit in (1, 7, 1000):
        assert _walk(ledger_query(access=participant), limit) == expected
    assert _walk(ledger_query(access=participant), 7, offsets=True) == expected

    narrowed = ledger_query(access=participant, kind="WAGE", tick_from=2, tick_to=5)
    assert _walk(narrowed, 3) == _truth(
        LedgerEntry, archived, mine & Q(kind="WAGE", tick__gte=2, tick__lte=5))
    assert _walk(narrowed, 3)


def test_an_operators_lists_count_ids_across_batch_read_boundaries(archived, small_reads):
    operator = Access(simulation=archived, operator=True, agents=())
    everything = _truth(LedgerEntry, archived, Q())
    assert _walk(ledger_query(access=operator), 997) == everything
    assert _walk(ledger_query(access=operator), 997, offsets=True) == everything
    taxes = ledger_query(access=operator, account="ta", tick_from=2)
    assert _walk(taxes, 5) == _truth(
        LedgerEntry, archived, Q(kind__in=kinds_touching("ta"), tick__gte=2))

    goods_of_firm = trades_query(access=operator, market="goods", agent=(1, 2))
    expected = _truth(Trade, archived, Q(market=0) & _agent("buyer", "seller", 1, 2))
    assert expected and _walk(goods_of_firm, 4) == expected


def test_a_reset_forgets_the_later_ticks_and_the_rerun_lists_cleanly(
        archived, ingest, world_ticks):
    from django.db import transaction

    with transaction.atomic():
        history_forget_after(simulation_id=archived.pk, tick=2)
    for archive in (LEDGER, TRADES):
        for model in (archive.rows, archive.batches, archive.agent_ticks):
            assert not model.objects.filter(simulation=archived, tick__gt=2).exists()
            assert model.objects.filter(simulation=archived, tick=2).exists()
    ingest(archived, world_ticks[2:5])
    owner = Access(simulation=archived, operator=False, agents=((0, 1),))
    assert _walk(ledger_query(access=owner), 9) == _truth(
        LedgerEntry, archived, _agent("debit", "credit", 0, 1))
    assert _truth(LedgerEntry, archived, Q(tick__gt=2))[-1][0] == 5


def _table_rows(archive) -> dict[str, list[tuple]]:
    return {
        "batches": sorted(archive.batches.objects.values_list(
            "simulation_id", "tick", "first_id", "count", *archive.batch_fields)),
        "agent_ticks": sorted((s, t, at, b, bytes(e)) for s, t, at, b, e in
                              archive.agent_ticks.objects.values_list(
                                  "simulation_id", "tick", "agent_type", "bucket",
                                  "entries")),
    }


def test_the_migration_backfill_rebuilds_what_ingestion_wrote(archived):
    migration = importlib.import_module("history.migrations.0004_id_blocks")
    written = {a.rows.__name__: _table_rows(a) for a in (LEDGER, TRADES)}
    assert all(rows["batches"] and rows["agent_ticks"] for rows in written.values())
    for archive in (LEDGER, TRADES):
        archive.batches.objects.all().delete()
        archive.agent_ticks.objects.all().delete()
    migration.rebuild(connection)
    assert {a.rows.__name__: _table_rows(a) for a in (LEDGER, TRADES)} == written


def _wages(tick: int, households: list[int]) -> TickResult:
    """A tick whose only postings are wages from firm 0 to `households` (and a tax batch
    from the same households, so each is on two batches of its tick)."""
    hh = np.array(households, dtype=np.int64)
    firm = np.zeros_like(hh)
    postings = [
        {"phase": "P5", "kind": "WAGE", "src_account": "dep_f", "dst_account": "dep_h",
         "src": firm, "dst": hh, "amount": 1000 + hh},
        {"phase": "P7", "kind": "TAX_H", "src_account": "dep_h", "dst_account": "ta",
         "src": hh, "dst": np.zeros_like(hh), "amount": 10 + hh},
    ]
    return TickResult(tick=tick, aggregates={}, postings=postings, trades={}, audit={},
                      state_hash="")


def test_agents_seen_in_different_ticks_merge_in_tick_order(simulation, ingest, small_reads):
    # Household 1 is paid at ticks 1, 2, 3, 5, 6; household 2 at 1, 4, 6; 9 at every tick.
    ingest(simulation, [_wages(t, [h for h, ticks in ((1, {1, 2, 3, 5, 6}), (2, {1, 4, 6}),
                                                      (9, set(range(1, 7)))) if t in ticks])
                        for t in range(1, 7)])
    both = Access(simulation=simulation, operator=False, agents=((0, 2), (0, 1)))
    expected = _truth(LedgerEntry, simulation,
                      _agent("debit", "credit", 0, 1) | _agent("debit", "credit", 0, 2))
    assert [t for t, _ in expected] == [1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6]
    for limit in (1, 3, 100):
        assert _walk(ledger_query(access=both), limit) == expected
    taxes = ledger_query(access=both, kind="TAX_H", tick_from=2)
    assert _walk(taxes, 2) == _truth(
        LedgerEntry, simulation, Q(kind="TAX_H", tick__gte=2, debit_id__in=[1, 2]))


@pytest.mark.services
def test_id_blocks_never_overlap_and_bad_sizes_are_refused(simulation):
    from django.db import DatabaseError, transaction

    first = ids_reserve(LedgerEntry, 1000)
    second = ids_reserve(LedgerEntry, 1)
    third = ids_reserve(LedgerEntry, 50)
    assert second == first + 1000 and third == second + 1
    with pytest.raises(DatabaseError, match="n must be >= 1"), transaction.atomic():
        ids_reserve(LedgerEntry, 0)
    assert ids_reserve(Trade, 2) < ids_reserve(Trade, 2)
