"""Scores from the archive: each finished day, every household, firm and bank gets its day's
score (`simulations.engine.scores`, the formulas) and its running total since day 1.

    scores_compute(*, simulation_id: int, day: int | None = None) -> int
        Scores every finished day up to `day` (None: the last finished day) that has no scores
        yet, in order (a day's total needs the day before); returns the days written. Safe to
        call twice or concurrently: a day already scored is skipped, and the unique constraint
        (simulation, day, agent) stops a racing second writer, whose transaction is dropped.

The inputs come from the archive only: each tick's ledger rows, grouped back into the engine's
posting batches through `LedgerBatch`, and the day-end balance sheets (`AgentSnapshot`), from
which the net worth after each earlier tick of the day is rebuilt by taking off the later
ticks' net-worth flows (exact: invariant I6 says these flows are the whole change). In memory
the engine gives the same inputs (`simulations.engine.scores.tick_score_inputs`); a test
steps a world and compares the two.

A reset can delete the day while it is being scored: the write locks the simulation's row
(shared) and checks that the day's last tick still has the state hash read at the start.
"""

from __future__ import annotations

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from history.models import AgentScore, AgentSnapshot, LedgerBatch, LedgerEntry, TickAudit
from history.services import history_ingest_scores
from simulations.engine.ledger import ACCT_SECTOR, TransactionKind
from simulations.engine.scores import SCORED_TYPES, TickInputs, day_score, inputs_from_postings
from simulations.engine.vocabulary import AGENT_TYPE_CODES
from simulations.models import Simulation

_NW_SIGNS = {kind.name: (ACCT_SECTOR[kind.value.src], kind.value.nw[0],
                         ACCT_SECTOR[kind.value.dst], kind.value.nw[1])
             for kind in TransactionKind}


def archived_postings(*, simulation_id: int, tick: int) -> list[dict]:
    """The posting batches of an archived tick, as the engine's `TickResult.postings` has
    them (kind, phase, src, dst, amount; batches of no rows are not archived)."""
    batches = list(LedgerBatch.objects.filter(simulation_id=simulation_id, tick=tick)
                   .order_by("first_id").values_list("phase", "kind", "first_id", "count"))
    if not batches:
        return []
    lo = batches[0][2]
    hi = batches[-1][2] + batches[-1][3] - 1
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT id, debit_id, credit_id, amount FROM "{LedgerEntry._meta.db_table}" '
            "WHERE simulation_id = %s AND id BETWEEN %s AND %s ORDER BY id",
            [simulation_id, lo, hi])
        rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 4)
    out = []
    for phase, kind, first_id, count in batches:
        at = int(np.searchsorted(rows[:, 0], first_id))
        part = rows[at:at + count]
        if len(part) != count or (count and part[-1, 0] != first_id + count - 1):
            raise RuntimeError(f"ledger rows of tick {tick} are missing (batch at {first_id})")
        out.append({"phase": phase, "kind": kind, "src": part[:, 1], "dst": part[:, 2],
                    "amount": part[:, 3]})
    return out


def _nw_change(postings: list[dict], sizes: dict[str, int]) -> dict[str, np.ndarray]:
    change = {t: np.zeros(n, dtype=np.int64) for t, n in sizes.items()}
    for batch in postings:
        src_type, src_sign, dst_type, dst_sign = _NW_SIGNS[batch["kind"]]
        for sign, who, ids in ((src_sign, src_type, batch["src"]),
                               (dst_sign, dst_type, batch["dst"])):
            if sign and who in change:
                np.add.at(change[who], ids, sign * batch["amount"])
    return change


def _day_end_net_worth(simulation_id: int, day: int) -> dict[str, np.ndarray]:
    out = {}
    for agent_type in SCORED_TYPES:
        rows = list(AgentSnapshot.objects.filter(
            simulation_id=simulation_id, day=day, agent_type=AGENT_TYPE_CODES[agent_type],
        ).order_by("agent_id").values_list("agent_id", "balance_sheet__net_worth"))
        ids = [r[0] for r in rows]
        if ids != list(range(len(ids))):
            raise RuntimeError(f"day {day} has no complete {agent_type} snapshots")
        out[agent_type] = np.array([int(r[1]) for r in rows], dtype=np.int64)
    return out


def archived_day_inputs(*, simulation_id: int, day: int,
                        ticks_per_day: int) -> list[dict[str, TickInputs]]:
    """The score inputs of each tick of an archived day, from the archive alone."""
    last = day * ticks_per_day
    ticks = range(last - ticks_per_day + 1, last + 1)
    postings = [archived_postings(simulation_id=simulation_id, tick=t) for t in ticks]
    level = _day_end_net_worth(simulation_id, day)
    sizes = {t: len(v) for t, v in level.items()}
    levels = []
    for tick_postings in reversed(postings):  # the last tick's level is the snapshot
        levels.append(level)
        change = _nw_change(tick_postings, sizes)
        level = {t: level[t] - change[t] for t in SCORED_TYPES}
    levels.reverse()
    return [inputs_from_postings(p, nw) for p, nw in zip(postings, levels, strict=True)]


def _day_rows(simulation_id: int, day: int, tick: int,
              inputs: list[dict[str, TickInputs]]) -> list[tuple]:
    previous = {(t, i): (total, cents) for t, i, total, cents in AgentScore.objects.filter(
        simulation_id=simulation_id, day=day - 1).values_list(
        "agent_type", "agent_id", "total", "total_cents")}
    if day > 1 and not previous:
        raise RuntimeError(f"day {day - 1} is not scored yet")
    rows = []
    for agent_type in SCORED_TYPES:
        code = AGENT_TYPE_CODES[agent_type]
        ticks = [tick_inputs[agent_type] for tick_inputs in inputs]
        scores = day_score(ticks)
        failures = np.sum([t.failed for t in ticks], axis=0)
        for agent_id, score in enumerate(scores.tolist()):
            total, total_cents = previous.get((code, agent_id), (0.0, 0))
            if agent_type == "household":
                rows.append((simulation_id, day, tick, code, agent_id, float(score),
                             float(total) + float(score), None, None, 0))
            else:
                cents = int(score) + int(total_cents or 0)
                rows.append((simulation_id, day, tick, code, agent_id, float(score),
                             float(cents), int(score), cents, int(failures[agent_id])))
    return rows


def _state_hash(simulation_id: int, tick: int) -> str | None:
    return (TickAudit.objects.filter(simulation_id=simulation_id, tick=tick)
            .values_list("state_hash", flat=True).first())


def _lock_simulation_row(simulation_id: int) -> None:
    """FOR SHARE: a reset (which updates the row) waits for this write or runs before it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT 1 FROM "{Simulation._meta.db_table}" WHERE id = %s '
                           "FOR SHARE", [simulation_id])


def scores_compute_day(*, simulation_id: int, day: int, ticks_per_day: int) -> int:
    """Score one finished day whose previous day is scored; returns the rows written (0 when
    the day was scored already or went away in a reset)."""
    if AgentScore.objects.filter(simulation_id=simulation_id, day=day).exists():
        return 0
    tick = day * ticks_per_day
    state_hash = _state_hash(simulation_id, tick)
    if state_hash is None:
        return 0
    rows = _day_rows(simulation_id, day, tick, archived_day_inputs(
        simulation_id=simulation_id, day=day, ticks_per_day=ticks_per_day))
    try:
        with transaction.atomic():
            _lock_simulation_row(simulation_id)
            if (_state_hash(simulation_id, tick) != state_hash
                    or AgentScore.objects.filter(simulation_id=simulation_id, day=day).exists()):
                return 0
            return history_ingest_scores(rows=rows)
    except IntegrityError:  # another writer scored the day meanwhile
        return 0


def scores_compute(*, simulation_id: int, day: int | None = None) -> int:
    sim = Simulation.objects.filter(pk=simulation_id).values("tick", "ticks_per_day").first()
    if sim is None:
        return 0
    last = sim["tick"] // sim["ticks_per_day"]
    day = last if day is None else min(day, last)
    if day < 1:
        return 0
    # Days are scored in order and a reset deletes a suffix: the scored days are 1..latest.
    latest = AgentScore.objects.filter(simulation_id=simulation_id).aggregate(
        latest=Max("day"))["latest"] or 0
    written = 0
    for d in range(latest + 1, day + 1):
        if scores_compute_day(simulation_id=simulation_id, day=d,
                              ticks_per_day=sim["ticks_per_day"]):
            written += 1
    return written
