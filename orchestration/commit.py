"""The one PostgreSQL transaction of a tick: history (decisions included), scripts' records,
checkpoint, counter."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notifications_create_many
from history.services import (
    history_ingest_decisions,
    history_ingest_snapshots,
    history_ingest_tick,
    history_ingest_tick_balances,
)
from history.tasks import scores_compute_task
from orchestration import scripting
from orchestration.decisions import decision_rows
from simulations.engine import TickResult, World
from simulations.models import Agent, Checkpoint, DayRun, Shock, Simulation, day_of_tick
from simulations.world_cache import world_cache_store
from simulations.worlds import claimed_balance_rows, public_state, snapshot_rows


class TickConflict(Exception):
    """The simulation moved on (another advancer, a reset) or stopped (paused, archived)
    while this tick was computed: the transaction is rolled back and the tick discarded."""


@dataclass(frozen=True)
class TickInput:
    simulation_id: int
    ticks_per_day: int
    expected_tick: int  # the tick the world was at before this step
    world: World
    result: TickResult
    blob: bytes
    run: Any  # scripting.ScriptTickRun
    shocks: list[tuple[int, int]]  # (shock id, tick it takes effect from)
    day_run_id: int | None
    day_run_done: int  # DayRun.ticks_done before this tick
    logs: tuple[tuple[str, str, dict], ...] = ()  # the orchestrator's own lines
    seconds: dict[str, float] | None = None  # "cache" accumulates the after-commit store


def tick_commit(tick: TickInput) -> int:
    """Write the tick; returns the id of its checkpoint. Raises TickConflict (rolled back)."""
    result, sim_id = tick.result, tick.simulation_id
    day = day_of_tick(result.tick, tick.ticks_per_day)
    day_end = result.tick % tick.ticks_per_day == 0
    with transaction.atomic():
        # First statement: it takes the row lock, so a concurrent committer of the same tick
        # waits here and then finds 0 rows, before writing anything.
        moved = Simulation.objects.filter(
            pk=sim_id, tick=tick.expected_tick, status=Simulation.Status.RUNNING,
            archived_at__isnull=True,
        ).update(tick=F("tick") + 1, updated_at=timezone.now())
        if moved != 1:
            raise TickConflict(f"simulation {sim_id} is no longer running at tick "
                               f"{tick.expected_tick}")
        history_ingest_tick(simulation_id=sim_id, day=day, result=result,
                            logs=[*tick.logs, *_shock_logs(tick.shocks)])
        history_ingest_tick_balances(simulation_id=sim_id, day=day, tick=result.tick,
                                     rows=claimed_balance_rows(simulation_id=sim_id,
                                                               world=tick.world))
        scripting.scripts_record_tick(simulation_id=sim_id, tick=result.tick, run=tick.run,
                                      rejected=list(result.rejected))
        if tick.run.calls:
            memories = scripting.mount_memories(simulation_id=sim_id) if day_end else None
            history_ingest_decisions(
                simulation_id=sim_id, day=day, tick=result.tick,
                rows=decision_rows(run=tick.run, rejected=list(result.rejected),
                                   memories=memories))
        # Retention: day-end checkpoints are kept, of the others only the latest.
        # only("pk"): the delete collects rows (DayRun links are set null) without their blobs
        Checkpoint.objects.filter(simulation_id=sim_id, kind=Checkpoint.Kind.LATEST).only(
            "pk").delete()
        checkpoint = Checkpoint.objects.create(
            simulation_id=sim_id, tick=result.tick, state=tick.blob,
            kind=Checkpoint.Kind.DAY_END if day_end else Checkpoint.Kind.LATEST,
            state_hash=result.state_hash, size_bytes=len(tick.blob))
        if tick.shocks:
            _mark_shocks_applied(tick.shocks)
        if tick.day_run_id is not None:
            updated = DayRun.objects.filter(
                pk=tick.day_run_id, ticks_done=tick.day_run_done,
            ).update(ticks_done=F("ticks_done") + 1, end_tick=result.tick,
                     end_checkpoint=checkpoint, heartbeat_at=timezone.now())
            if updated != 1:
                raise TickConflict(f"day run {tick.day_run_id} moved on")
        if day_end:
            history_ingest_snapshots(simulation_id=sim_id, day=day, tick=result.tick,
                                     rows=snapshot_rows(simulation_id=sim_id, world=tick.world))
            scripting.rotations_apply(simulation_id=sim_id, tick=result.tick)
            _notify_day_finished(simulation_id=sim_id, day=day, tick=result.tick)
            transaction.on_commit(lambda: scores_compute_task.delay(sim_id, day), robust=True)
        state = public_state(simulation_id=sim_id, world=tick.world,
                             state_hash=result.state_hash)
        transaction.on_commit(lambda: _cache_store(tick, state))
    return checkpoint.pk


def _cache_store(tick: TickInput, state: dict[str, Any]) -> None:
    started = time.perf_counter()
    world_cache_store(simulation_id=tick.simulation_id, tick=tick.result.tick,
                      state_hash=tick.result.state_hash, blob=tick.blob, state=state)
    if tick.seconds is not None:
        tick.seconds["cache"] = tick.seconds.get("cache", 0.0) + time.perf_counter() - started


def _shock_logs(shocks: list[tuple[int, int]]) -> list[tuple[str, str, dict]]:
    return [("info", f"shock {shock_id} takes effect", {"shock_id": shock_id, "from": start})
            for shock_id, start in shocks]


def _mark_shocks_applied(shocks: list[tuple[int, int]]) -> None:
    now = timezone.now()
    for shock_id, start in shocks:
        done = Shock.objects.filter(pk=shock_id, status=Shock.Status.PENDING).update(
            status=Shock.Status.APPLIED, applied_at=now, applied_tick=start)
        if done != 1:  # deleted or applied meanwhile: the world we stepped is not the truth
            raise TickConflict(f"shock {shock_id} changed while its tick ran")


def _notify_day_finished(*, simulation_id: int, day: int, tick: int) -> None:
    """Every participant (owner of an agent) hears once that the day is over."""
    # order_by() drops Agent's Meta.ordering, which would join the DISTINCT: one row per agent
    owners = (Agent.objects.filter(simulation_id=simulation_id, owner__isnull=False)
              .order_by().values_list("owner_id", flat=True).distinct())
    name = Simulation.objects.values_list("name", flat=True).get(pk=simulation_id)
    notifications_create_many(rows=[
        {"user_id": user_id, "kind": Notification.Kind.DAY_FINISHED,
         "title": f"{name}: day {day} finished", "body": f"The world is at tick {tick}.",
         "data": {"simulation_id": simulation_id, "simulation_name": name, "day": day,
                  "tick": tick}}
        for user_id in owners])
