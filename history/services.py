"""Writes to the archive: tick ingestion (called by the orchestrator) and retention.

The contract the orchestrator calls, inside its own `transaction.atomic()` for the tick:

    history_ingest_tick(*, simulation_id: int, day: int, result: TickResult,
                        logs: Iterable[tuple[str, str, dict]] = ()) -> IngestStats
        Archives tick `result.tick`: TickLog (each `result.log` line at level "info", then the
        given (level, message, context) tuples; level in debug/info/warning/error), Trade
        (`result.trades`, see `history.trades`), LedgerEntry (one row per element of each
        `result.postings` batch), TickAggregate (`result.aggregates`) and TickAudit
        (`result.audit`'s invariants, tfm and sector_saving, `result.state_hash`).

    history_ingest_decisions(*, simulation_id: int, day: int, tick: int,
                             rows: Iterable[dict]) -> int
        Archives what each scripted agent's script decided at `tick`: one DecisionRecord per
        row, a dict with agent_type (name), agent_id (engine id), version_id, mount_id,
        outcome (DecisionRecord.Outcome), decision (dict or None), field, rule, cpu_ms and
        memory (dict or None; given at day ends). Returns the number of rows.

    history_ingest_scores(*, rows: list[tuple]) -> int
        Archives a day's per-agent scores (see `history.scoring`).

    history_ingest_snapshots(*, simulation_id: int, day: int, tick: int,
                             rows: Iterable[tuple[str, int, dict, dict]]) -> int
        Archives (agent_type name, engine id, balance sheet, state) of each agent at the end
        of `day` (last tick `tick`); returns the number of rows.

    history_ingest_tick_balances(*, simulation_id: int, day: int, tick: int,
                                 rows: Iterable[tuple[str, int, dict]]) -> int
        Archives (agent_type name, engine id, balance sheet) of the agents that have an owner
        at `tick` (AgentTickBalance); returns the number of rows.

None commits: both refuse to run outside a transaction, so a crash before the
orchestrator's commit leaves no history of the unfinished tick, and the exact re-run writes
it again. On PostgreSQL the big tables go in by binary COPY through psycopg 3; elsewhere
(the embedded SQLite mode) by bulk_create. Ledger entries and trades are kept in id blocks
(`history.blocks`): rows, one Block row per engine batch, one AgentTick row per agent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from psycopg.types.json import Jsonb

from history.blocks import LEDGER, TRADES, blocks_forget_after, blocks_write, db_columns
from history.models import (
    LOG_LEVELS,
    AgentScore,
    AgentSnapshot,
    AgentTickBalance,
    DecisionRecord,
    TickAggregate,
    TickAudit,
    TickLog,
)
from history.postings import posting_columns
from history.trades import trade_columns
from simulations.engine import TickResult
from simulations.engine.jsonplain import plain
from simulations.engine.vocabulary import AGENT_TYPE_CODES


@dataclass(frozen=True)
class IngestStats:
    tick: int
    tick_logs: int
    trades: int
    ledger_entries: int
    copy: bool  # True when the big tables went in by COPY (PostgreSQL)
    seconds: float


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(
            "history ingestion must run inside the orchestrator's transaction.atomic()"
        )


def _uses_copy() -> bool:
    return connection.vendor == "postgresql"


def _log_rows(result: TickResult, logs: Iterable[tuple[str, str, dict]]) -> Iterator[tuple]:
    for line in result.log:
        yield ("info", str(line), {})
    for level, message, context in logs:
        if level not in LOG_LEVELS:
            raise ValueError(f"log level {level!r} is not one of {', '.join(LOG_LEVELS)}")
        yield (level, str(message), plain(context or {}))


def _copy_json_rows(model: type[Model], names: list[str], rows: list[tuple],
                    json_fields: set[str]) -> None:
    """Text COPY for the few rows with JSON columns (logs, snapshots)."""
    json_at = [i for i, name in enumerate(names) if name in json_fields]
    sql = (f'COPY "{model._meta.db_table}" ({", ".join(db_columns(model, names))}) '
           "FROM STDIN")
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            values = list(row)
            for i in json_at:
                values[i] = None if values[i] is None else Jsonb(values[i])
            copy.write_row(values)


def history_ingest_tick(*, simulation_id: int, day: int, result: TickResult,
                        logs: Iterable[tuple[str, str, dict]] = ()) -> IngestStats:
    _require_transaction()
    started = time.perf_counter()
    tick = int(result.tick)
    use_copy = _uses_copy()

    log_rows = [(simulation_id, tick, day, level, message, context)
                for level, message, context in _log_rows(result, logs)]
    log_names = ["simulation_id", "tick", "day", "level", "message", "context"]
    if log_rows and use_copy:
        _copy_json_rows(TickLog, log_names, log_rows, {"context"})
    elif log_rows:
        TickLog.objects.bulk_create(
            [TickLog(**dict(zip(log_names, row, strict=True))) for row in log_rows]
        )

    n_trades = blocks_write(TRADES, simulation_id, tick,
                            trade_columns(simulation_id, tick, result.trades))
    n_ledger = blocks_write(LEDGER, simulation_id, tick,
                            posting_columns(simulation_id, tick, result.postings))

    TickAggregate.objects.create(simulation_id=simulation_id, tick=tick, day=day,
                                 data=plain(result.aggregates))
    audit = plain(result.audit or {})
    invariants = audit.get("invariants", {})
    TickAudit.objects.create(
        simulation_id=simulation_id, tick=tick, day=day,
        all_passed=all(bool(v) for v in invariants.values()),
        invariants=invariants, tfm=audit.get("tfm", {}),
        sector_saving=audit.get("sector_saving", {}),
        state_hash=result.state_hash or "", rejected_decisions=len(result.rejected or ()),
    )
    return IngestStats(tick=tick, tick_logs=len(log_rows), trades=n_trades,
                       ledger_entries=n_ledger, copy=use_copy,
                       seconds=time.perf_counter() - started)


def history_ingest_snapshots(*, simulation_id: int, day: int, tick: int,
                             rows: Iterable[tuple[str, int, dict, dict]]) -> int:
    _require_transaction()
    records = []
    for agent_type, engine_id, balance_sheet, state in rows:
        if agent_type not in AGENT_TYPE_CODES:
            raise ValueError(f"unknown agent type {agent_type!r}")
        records.append((simulation_id, day, tick, AGENT_TYPE_CODES[agent_type], int(engine_id),
                        plain(balance_sheet), plain(state)))
    names = ["simulation_id", "day", "tick", "agent_type", "agent_id", "balance_sheet", "state"]
    if records and _uses_copy():
        _copy_json_rows(AgentSnapshot, names, records, {"balance_sheet", "state"})
    elif records:
        AgentSnapshot.objects.bulk_create(
            [AgentSnapshot(**dict(zip(names, r, strict=True))) for r in records],
            batch_size=2000,
        )
    return len(records)


TICK_BALANCE_COLUMNS = ["simulation_id", "tick", "day", "agent_type", "agent_id",
                        "balance_sheet"]


def history_ingest_tick_balances(*, simulation_id: int, day: int, tick: int,
                                 rows: Iterable[tuple[str, int, dict]]) -> int:
    _require_transaction()
    records = []
    for agent_type, engine_id, balance_sheet in rows:
        if agent_type not in AGENT_TYPE_CODES:
            raise ValueError(f"unknown agent type {agent_type!r}")
        records.append((simulation_id, tick, day, AGENT_TYPE_CODES[agent_type], int(engine_id),
                        plain(balance_sheet)))
    if records and _uses_copy():
        _copy_json_rows(AgentTickBalance, TICK_BALANCE_COLUMNS, records, {"balance_sheet"})
    elif records:
        AgentTickBalance.objects.bulk_create(
            [AgentTickBalance(**dict(zip(TICK_BALANCE_COLUMNS, r, strict=True)))
             for r in records], batch_size=2000)
    return len(records)


DECISION_COLUMNS = ["simulation_id", "tick", "day", "agent_type", "agent_id", "version_id",
                    "mount_id", "outcome", "decision", "field", "rule", "cpu_ms", "memory"]
_TEXT_MAX = DecisionRecord._meta.get_field("rule").max_length


def history_ingest_decisions(*, simulation_id: int, day: int, tick: int,
                             rows: Iterable[dict]) -> int:
    _require_transaction()
    outcomes = set(DecisionRecord.Outcome.values)
    records = []
    for row in rows:
        if row["agent_type"] not in AGENT_TYPE_CODES:
            raise ValueError(f"unknown agent type {row['agent_type']!r}")
        if row["outcome"] not in outcomes:
            raise ValueError(f"unknown decision outcome {row['outcome']!r}")
        records.append((
            simulation_id, tick, day, AGENT_TYPE_CODES[row["agent_type"]], int(row["agent_id"]),
            int(row["version_id"]), int(row["mount_id"]), row["outcome"],
            None if row.get("decision") is None else plain(row["decision"]),
            str(row.get("field") or "")[:_TEXT_MAX], str(row.get("rule") or "")[:_TEXT_MAX],
            float(row.get("cpu_ms") or 0.0),
            None if row.get("memory") is None else plain(row["memory"])))
    if records and _uses_copy():
        _copy_json_rows(DecisionRecord, DECISION_COLUMNS, records, {"decision", "memory"})
    elif records:
        DecisionRecord.objects.bulk_create(
            [DecisionRecord(**dict(zip(DECISION_COLUMNS, r, strict=True))) for r in records],
            batch_size=2000)
    return len(records)

SCORE_COLUMNS = ["simulation_id", "day", "tick", "agent_type", "agent_id", "score", "total",
                 "score_cents", "total_cents", "failures"]


def history_ingest_scores(*, rows: list[tuple]) -> int:
    """Archives one day's scores (`history.scoring` computes them): tuples in the order of
    `SCORE_COLUMNS`. By COPY on PostgreSQL; the caller holds the transaction."""
    _require_transaction()
    if rows and _uses_copy():
        _copy_json_rows(AgentScore, SCORE_COLUMNS, rows, set())
    elif rows:
        AgentScore.objects.bulk_create(
            [AgentScore(**dict(zip(SCORE_COLUMNS, r, strict=True))) for r in rows],
            batch_size=2000)
    return len(rows)


def history_forget_after(*, simulation_id: int, tick: int) -> None:
    """Delete the archive of the ticks after `tick`: an operator's reset, the one writer of
    the archive besides ingestion and retention. The caller holds the transaction."""
    _require_transaction()
    for archive in (LEDGER, TRADES):
        blocks_forget_after(archive, simulation_id, tick)
    for model in (TickLog, TickAggregate, TickAudit, AgentSnapshot, DecisionRecord,
                  AgentScore, AgentTickBalance):
        model.objects.filter(simulation_id=simulation_id, tick__gt=tick).delete()


PRUNE_BATCH_ROWS = 50_000


def tick_logs_prune(*, older_than_days: int, simulation_id: int | None = None) -> int:
    """Delete tick logs recorded more than `older_than_days` days ago; aggregates, audit,
    snapshots, trades and ledger entries are kept. Deletes in batches, one short transaction
    each, so the orchestrator's ticks never wait long behind a retention run."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    logs = TickLog.objects.filter(recorded_at__lt=cutoff)
    if simulation_id is not None:
        logs = logs.filter(simulation_id=simulation_id)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(logs.order_by().values_list("id", flat=True)[:PRUNE_BATCH_ROWS])
            if not ids:
                return deleted
            deleted += TickLog.objects.filter(id__in=ids).delete()[0]
