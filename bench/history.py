"""History benchmark: ingestion rows/s (real path vs raw COPY) and query latency at scale.

1. Ingestion. Real engine ticks are archived through `history_ingest_tick` (one transaction
   per tick, as the orchestrator does) and, interleaved tick by tick, the same ledger and
   trade rows, encoded beforehand, are COPYed raw into the same tables under another
   simulation id. Prints rows/s of both and their ratio (targets: >= 200k rows/s, >= 0.5x).
2. Queries. A simulation with `--rows` ledger entries (default 10^7) is archived through the
   real path, tick by tick, then the first, middle and last page of four lists are timed,
   keyset (cursor) beside offset: the operator's whole ledger, one participant's ledger (a
   household and a firm, both sides), a tick range and one rare kind. p50/p99 in ms (target:
   keyset p99 <= 50 ms).

Needs PostgreSQL (DATABASE_URL) with the migrations applied; it deletes its own rows at the
end unless --keep.
Usage: python bench/history.py [--rows 10000000] [--households 20000] [--ticks 6]
       [--repeat 50] [--offset-repeat 5] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econsim_project.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django

django.setup()

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from history.block_pages import BlockQuery  # noqa: E402
from history.blocks import db_columns  # noqa: E402
from history.models import (  # noqa: E402
    LedgerAgentTick,
    LedgerBatch,
    LedgerEntry,
    TickAggregate,
    TickAudit,
    TickLog,
    Trade,
    TradeAgentTick,
    TradeBatch,
)
from history.pagination import cursor_encode, page_fetch  # noqa: E402
from history.pgcopy import copy_binary, encode_rows  # noqa: E402
from history.postings import (  # noqa: E402
    KIND_ACCOUNTS,
    LEDGER_COLUMNS,
    account_holder_code,
    posting_columns,
)
from history.selectors import Access, ledger_query  # noqa: E402
from history.services import history_ingest_tick  # noqa: E402
from history.trades import TRADE_COLUMNS, trade_columns  # noqa: E402
from simulations.engine import TickResult, World  # noqa: E402
from simulations.models import Simulation  # noqa: E402

PAGE = 100
# The flows of the synthetic ledger, the last one rare (a twentieth of the rows).
KINDS = ["WAGE", "CONSUMPTION", "TAX_H", "DEPOSIT_INTEREST"] * 5 + ["LOAN_INTEREST"]
SIZES = {0: 1000, 1: 50, 2: 5, 3: 1, 4: 1}  # households, firms, banks, CB, government


def _raw_copy(model: type, names: list[str], blocks: list[bytes]) -> None:
    with connection.cursor() as cursor:
        copy_binary(cursor.cursor, model._meta.db_table, db_columns(model, names), blocks)


def bench_ingestion(sim_real: Simulation, sim_raw: Simulation, households: int,
                    ticks: int) -> None:
    world = World.create("baseline", {"n_households": households,
                                      "n_firms": max(10, households // 100), "n_banks": 10},
                         seed=1)
    results = world.run(ticks)
    real_s = raw_s = 0.0
    real_rows = raw_rows = 0
    wal_start = _wal_lsn()
    for result in results:
        # Raw: the same rows, encoded before the clock starts; only COPY and commit count.
        ledger = [encode_rows(c, n) for _, c, n in posting_columns(sim_raw.pk, result.tick,
                                                                   result.postings)]
        trades = [encode_rows(c, n) for _, c, n in trade_columns(sim_raw.pk, result.tick,
                                                                 result.trades)]
        started = time.perf_counter()
        with transaction.atomic():
            stats = history_ingest_tick(simulation_id=sim_real.pk, day=result.tick // 4,
                                        result=result)
        real_s += time.perf_counter() - started
        real_rows += stats.ledger_entries + stats.trades

        started = time.perf_counter()
        with transaction.atomic():
            _raw_copy(LedgerEntry, LEDGER_COLUMNS, ledger)
            _raw_copy(Trade, TRADE_COLUMNS, trades)
        raw_s += time.perf_counter() - started
        raw_rows += stats.ledger_entries + stats.trades
    wal_per_row = _wal_bytes_since(wal_start) / (real_rows + raw_rows)
    real_rate, raw_rate = real_rows / real_s, raw_rows / raw_s
    print(f"ingestion: {ticks} engine ticks of {households} households, "
          f"{real_rows} ledger+trade rows")
    print(f"  real path (history_ingest_tick) {real_rate:>12,.0f} rows/s")
    print(f"  raw COPY of the same rows       {raw_rate:>12,.0f} rows/s")
    print(f"  ratio real/raw                  {real_rate / raw_rate:>12.2f}x")
    # A row is ~100 bytes; much more WAL per row means index pages logged whole
    # (full-page writes after each checkpoint): the cost of the per-agent indexes.
    print(f"  WAL written per row             {wal_per_row:>12,.0f} bytes", flush=True)


def _wal_lsn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def _wal_bytes_since(lsn: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [lsn])
        return float(cursor.fetchone()[0])


def synthetic_tick(tick: int, rows: int, rng: np.random.Generator) -> TickResult:
    """A tick of `rows` postings cycling through KINDS between random holders."""
    postings = []
    for kind, size in zip(KINDS, np.diff(np.linspace(0, rows, len(KINDS) + 1).astype(int)),
                          strict=True):
        src, dst = KIND_ACCOUNTS[kind]
        postings.append({
            "phase": "P7", "kind": kind, "src_account": src, "dst_account": dst,
            "src": rng.integers(0, SIZES[account_holder_code(src)], size),
            "dst": rng.integers(0, SIZES[account_holder_code(dst)], size),
            "amount": rng.integers(1, 10_000_000, size),
        })
    return TickResult(tick=tick, aggregates={}, postings=postings, trades={}, audit={},
                      state_hash="")


def load_ledger(sim: Simulation, rows: int, ticks: int) -> None:
    """`rows` entries over `ticks` ticks, archived through the real path, tick by tick."""
    per_tick = -(-rows // ticks)
    rng = np.random.default_rng(42)
    started, spent = time.perf_counter(), 0.0
    for tick in range(1, ticks + 1):
        result = synthetic_tick(tick, per_tick, rng)
        began = time.perf_counter()
        with transaction.atomic():
            history_ingest_tick(simulation_id=sim.pk, day=tick // 4, result=result)
        spent += time.perf_counter() - began
    with connection.cursor() as cursor:
        for model in (LedgerEntry, LedgerBatch, LedgerAgentTick):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    print(f"loaded {per_tick * ticks:,} ledger rows over {ticks} ticks through "
          f"history_ingest_tick in {time.perf_counter() - started:.0f} s "
          f"({per_tick * ticks / spent:,.0f} rows/s in ingestion)", flush=True)


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm the cache: the figures are for a running server, not a cold start
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1,
                                                   round(0.99 * (len(samples) - 1)))]


def _position(query: BlockQuery, skip: int) -> tuple[int, int] | None:
    """The (tick, id) of the `skip`-th row (the page before starts after it)."""
    return query.positions(None, skip - 1, 1)[0] if skip else None


def _count(query: BlockQuery) -> int:
    if query.agents is None and not query.narrowed:
        return sum(query.batches.values_list("count", flat=True))
    return len(query.positions(None, 0, 10**9))


def bench_queries(sim: Simulation, ticks: int, repeat: int, offset_repeat: int) -> None:
    operator = Access(simulation=sim, operator=True, agents=())
    participant = Access(simulation=sim, operator=False, agents=((0, 7), (1, 3)))
    lists = {
        "operator: whole ledger": ledger_query(access=operator),
        "participant: own agents": ledger_query(access=participant),
        "operator: ticks from the middle": ledger_query(access=operator,
                                                        tick_from=ticks // 2),
        "operator: one kind": ledger_query(access=operator, kind=KINDS[-1]),
    }
    print(f"\nqueries: pages of {PAGE}, p50 / p99 ms ({repeat} runs keyset, "
          f"{offset_repeat} offset)")
    print(f"{'list':<34}{'page':>7}{'keyset p50':>12}{'p99':>8}{'offset p50':>12}{'p99':>9}")
    middle = None
    for label, query in lists.items():
        count = _count(query)
        for page, skip in (("first", 0), ("middle", count // 2),
                           ("last", max(0, count - PAGE))):
            after = _position(query, skip)
            k50, k99 = _timed(lambda q=query, a=after: page_fetch(query=q, after=a,
                                                                    limit=PAGE), repeat)
            o50, o99 = _timed(lambda q=query, s=skip: page_fetch(query=q, offset=s,
                                                                   limit=PAGE), offset_repeat)
            print(f"{label:<34}{page:>7}{k50:>12.2f}{k99:>8.2f}{o50:>12.2f}{o99:>9.2f}",
                  flush=True)
            if label.startswith("operator: whole") and page == "middle":
                middle = after
    bench_api(sim, middle, repeat)


def bench_api(sim: Simulation, after: tuple[int, int], repeat: int) -> None:
    """The same middle page end to end: HTTP request, auth, validation, JSON rendering."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = get_user_model().objects.create(username=f"bench-history-{sim.pk}", is_staff=True)
    try:
        client = APIClient()
        client.force_authenticate(user)
        url = f"/api/simulations/{sim.pk}/history/ledger/"
        params = {"limit": PAGE, "cursor": cursor_encode(after)}
        assert client.get(url, params, secure=True).status_code == 200
        p50, p99 = _timed(lambda: client.get(url, params, secure=True), repeat)
        print(f"{'API GET, operator, whole ledger':<34}{'middle':>7}{p50:>12.2f}{p99:>8.2f}",
              flush=True)
    finally:
        user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="ledger rows to query (0: ingestion only)")
    parser.add_argument("--query-ticks", type=int, default=1000,
                        help="ticks the loaded rows span")
    parser.add_argument("--households", type=int, default=20_000, help="engine size (ingest)")
    parser.add_argument("--ticks", type=int, default=6, help="engine ticks to ingest")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--offset-repeat", type=int, default=5)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the loaded rows")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/history.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    stamp = f"{os.getpid()}-{int(time.time())}"
    sims = [Simulation.objects.create(name=f"bench-history-{role}-{stamp}")
            for role in ("real", "raw", "query")]
    try:
        # Load first: ingestion then runs against an archive of `--rows` entries, as a
        # long-running platform's would.
        if args.rows:
            load_ledger(sims[2], args.rows, args.query_ticks)
        if not args.skip_ingest:
            bench_ingestion(sims[0], sims[1], args.households, args.ticks)
        if args.rows:
            bench_queries(sims[2], args.query_ticks, args.repeat, args.offset_repeat)
    finally:
        if not args.keep:
            ids = [s.pk for s in sims]
            for model in (LedgerEntry, LedgerBatch, LedgerAgentTick, Trade, TradeBatch,
                          TradeAgentTick, TickLog, TickAggregate, TickAudit):
                model.objects.filter(simulation_id__in=ids).delete()
            Simulation.objects.filter(pk__in=ids).delete()


if __name__ == "__main__":
    main()
