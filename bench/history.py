"""History benchmark: ingestion rows/s (real path vs raw COPY) and query latency at scale.

1. Ingestion. Real engine ticks are archived through `history_ingest_tick` (one transaction
   per tick, as the orchestrator does) and, interleaved tick by tick, the same ledger and
   trade rows, encoded beforehand, are COPYed raw into the same tables under another
   simulation id. Prints rows/s of both and their ratio (targets: >= 200k rows/s, >= 0.5x).
2. Queries. A simulation with `--rows` ledger entries is loaded (default 10^7), then the
   first, middle and last page of three lists are timed, keyset (cursor) beside offset:
   the operator's whole ledger, one participant's ledger (a household and a firm, both
   sides: a 4-branch UNION) and a tick range. p50/p99 in ms (target: keyset p99 <= 50 ms).
   `--brin` also times the tick-range pages on a BRIN index alone (the alternative the
   architecture notes weigh).

Needs PostgreSQL (DATABASE_URL) with the migrations applied; it deletes its own rows at the
end unless --keep. On an empty ledger table the bulk load drops and rebuilds the secondary
indexes (much faster than maintaining them row by row); otherwise it inserts through them.
Usage: python bench/history.py [--rows 10000000] [--households 20000] [--ticks 6]
       [--repeat 50] [--offset-repeat 5] [--brin] [--keep]
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

from django.db import connection, transaction  # noqa: E402

from history.models import LedgerEntry, TickAggregate, TickAudit, TickLog, Trade  # noqa: E402
from history.pagination import Query, cursor_encode, page_fetch  # noqa: E402
from history.pgcopy import copy_binary, encode_rows  # noqa: E402
from history.postings import LEDGER_COLUMNS, posting_columns  # noqa: E402
from history.selectors import Access, ledger_query  # noqa: E402
from history.services import history_ingest_tick  # noqa: E402
from history.trades import TRADE_COLUMNS, trade_columns  # noqa: E402
from simulations.engine import World  # noqa: E402
from simulations.models import Simulation  # noqa: E402

PAGE = 100
# (kind, debit type, credit type, phase): the flows the synthetic ledger cycles through.
PATTERNS = [("WAGE", 1, 0, "P5"), ("CONSUMPTION", 0, 1, "P6"), ("TAX_H", 0, 4, "P7"),
            ("DEPOSIT_INTEREST", 2, 0, "P7"), ("LOAN_INTEREST", 1, 2, "P7")]
SIZES = {0: 1000, 1: 50, 2: 5, 3: 1, 4: 1}  # households, firms, banks, CB, government


def _columns(model: type, names: list[str]) -> list[str]:
    return [model._meta.get_field(n).column for n in names]


def _raw_copy(model: type, names: list[str], blocks: list[bytes]) -> None:
    with connection.cursor() as cursor:
        copy_binary(cursor.cursor, model._meta.db_table, _columns(model, names), blocks)


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


def _secondary_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                       "AND indexname NOT LIKE %s", [LedgerEntry._meta.db_table, "%_pkey"])
        return cursor.fetchall()


def load_ledger(sim: Simulation, rows: int, ticks: int) -> None:
    """`rows` synthetic entries over `ticks` ticks, generated by the server."""
    per_tick = -(-rows // ticks)
    table = LedgerEntry._meta.db_table
    values = ", ".join(f"({i}, '{k}', {d}, {c}, '{p}')" for i, (k, d, c, p) in
                       enumerate(PATTERNS))
    size = "CASE {col} " + " ".join(f"WHEN {t} THEN {n}" for t, n in SIZES.items()) + " END"
    sql = (
        f"INSERT INTO {table} (simulation_id, tick, phase, kind, debit_type, debit_id, "
        f"credit_type, credit_id, amount) "
        f"SELECT %s, 1 + g / {per_tick}, p.phase, p.kind, p.dt, "
        f"floor(random() * ({size.format(col='p.dt')}))::int, p.ct, "
        f"floor(random() * ({size.format(col='p.ct')}))::int, 1 + floor(random() * 10000000) "
        f"FROM generate_series(0, %s) g "
        f"JOIN (VALUES {values}) AS p(i, kind, dt, ct, phase) ON p.i = g %% {len(PATTERNS)}"
    )
    empty = not LedgerEntry.objects.exists()
    indexes = _secondary_indexes() if empty else []
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:  # DDL too: all or nothing
        cursor.execute("SELECT setseed(0.42)")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(sql, [sim.pk, rows - 1])
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {table}")
    print(f"loaded {rows:,} ledger rows over {ticks} ticks in "
          f"{time.perf_counter() - started:.0f} s ("
          f"{'indexes rebuilt' if empty else 'through the indexes'})", flush=True)


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


def _positions(query: Query) -> list[tuple[int, int]]:
    rows = query.rows
    if query.branches:
        from functools import reduce
        from operator import or_
        rows = rows.filter(reduce(or_, query.branches))
    return list(rows.order_by("tick", "id").values_list("tick", "id"))


def bench_queries(sim: Simulation, rows: int, ticks: int, repeat: int, offset_repeat: int,
                  brin: bool) -> None:
    operator = Access(simulation=sim, operator=True, agents=())
    participant = Access(simulation=sim, operator=False, agents=((0, 7), (1, 3)))
    lists = {
        "operator: whole ledger": (ledger_query(access=operator), rows),
        "participant: own agents": (ledger_query(access=participant), None),
        "operator: ticks from the middle": (
            ledger_query(access=operator, tick_from=ticks // 2), None),
    }
    print(f"\nqueries: pages of {PAGE}, p50 / p99 ms ({repeat} runs keyset, "
          f"{offset_repeat} offset)")
    print(f"{'list':<34}{'page':>7}{'keyset p50':>12}{'p99':>8}{'offset p50':>12}{'p99':>9}")
    for label, (query, count) in lists.items():
        positions = None
        if count is None:
            positions = _positions(query)
            count = len(positions)
        for page, skip in (("first", 0), ("middle", count // 2),
                           ("last", max(0, count - PAGE))):
            if skip == 0:
                after = None
            elif positions is not None:
                after = positions[skip - 1]
            else:  # whole ledger: one OFFSET query, once, finds the n-th position
                after = tuple(query.rows.order_by("tick", "id").values_list(
                    "tick", "id")[skip - 1])
            k50, k99 = _timed(lambda q=query, a=after: page_fetch(query=q, after=a,
                                                                    limit=PAGE), repeat)
            o50, o99 = _timed(lambda q=query, s=skip: page_fetch(query=q, offset=s,
                                                                   limit=PAGE), offset_repeat)
            print(f"{label:<34}{page:>7}{k50:>12.2f}{k99:>8.2f}{o50:>12.2f}{o99:>9.2f}",
                  flush=True)
            if label.startswith("operator: whole") and page == "middle":
                middle = after
    bench_api(sim, middle, repeat)
    if brin:
        bench_brin(sim, ticks, repeat)


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


def bench_brin(sim: Simulation, ticks: int, repeat: int) -> None:
    """Tick-range pages when only a BRIN index could find them (btree scans switched off)."""
    table = LedgerEntry._meta.db_table
    query = ledger_query(access=Access(simulation=sim, operator=True, agents=()),
                         tick_from=ticks // 2)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX bench_ledger_brin ON {table} "
                       f"USING brin (simulation_id, tick)")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            p50, p99 = _timed(lambda: page_fetch(query=query, limit=PAGE),
                              max(3, repeat // 10))
        print(f"{'BRIN only: ticks from the middle':<34}{'first':>7}{p50:>12.2f}{p99:>8.2f}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX bench_ledger_brin")


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
    parser.add_argument("--brin", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the loaded rows")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/history.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    stamp = f"{os.getpid()}-{int(time.time())}"
    sims = [Simulation.objects.create(name=f"bench-history-{role}-{stamp}")
            for role in ("real", "raw", "query")]
    try:
        # Load first: an empty table gets the fast index rebuild, and ingestion then runs
        # against an archive of `--rows` entries, as a long-running platform's would.
        if args.rows:
            load_ledger(sims[2], args.rows, args.query_ticks)
        if not args.skip_ingest:
            bench_ingestion(sims[0], sims[1], args.households, args.ticks)
        if args.rows:
            bench_queries(sims[2], args.rows, args.query_ticks, args.repeat,
                          args.offset_repeat, args.brin)
    finally:
        if not args.keep:
            ids = [s.pk for s in sims]
            for model in (LedgerEntry, Trade, TickLog, TickAggregate, TickAudit):
                model.objects.filter(simulation_id__in=ids).delete()
            Simulation.objects.filter(pk__in=ids).delete()


if __name__ == "__main__":
    main()
