"""The stale-run sweep: a queued or running run that nobody works on (its worker died, or its
message was lost before a worker took it) is queued again under its own DayRun id and task id.
Its resume logic starts at `expected_tick + ticks_done`, and each tick's conditional updates
(simulation tick, run's ticks_done) keep any tick from being committed twice; a late delivery
of the original message waits on the lock and then finds the run finished."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from history.models import TickLog
from orchestration.runs import day_run_task
from simulations.locks import SimulationBusy, simulation_lock
from simulations.models import ACTIVE_OUTCOMES, DayRun, Simulation
from simulations.selectors import day_runs_liveness

logger = logging.getLogger(__name__)


@dataclass
class Sweep:
    requeued: list[int] = field(default_factory=list)  # DayRun ids
    failed: list[int] = field(default_factory=list)  # given up after too many re-queues


def day_runs_requeue_stale() -> Sweep:
    """Queue every stale run again (or fail it past SIMULATION_RUN_MAX_REQUEUES). Safe to run
    from several places at once: each run is taken over under its simulation's lock and by a
    conditional update, so two sweeps never queue the same silence twice."""
    runs = list(DayRun.objects.filter(outcome__in=ACTIVE_OUTCOMES).order_by("pk"))
    liveness = day_runs_liveness(runs=runs)
    sweep = Sweep()
    for run in runs:
        if not liveness[run.pk].stale:
            continue
        taken = _take_over(run, silent_seconds=liveness[run.pk].silent_seconds or 0)
        if taken == "requeued":
            sweep.requeued.append(run.pk)
        elif taken == "failed":
            sweep.failed.append(run.pk)
    return sweep


def _take_over(run: DayRun, *, silent_seconds: int) -> str | None:
    give_up = run.requeue_count >= settings.SIMULATION_RUN_MAX_REQUEUES
    try:
        # Holding the lock proves nobody is advancing the simulation right now (a live worker
        # would hold it); the lock is released before the task is sent so that it finds it free.
        with simulation_lock(simulation_id=run.simulation_id), transaction.atomic():
            # Unchanged since the sweep read it: no worker's heartbeat, no other sweep.
            claim = DayRun.objects.filter(pk=run.pk, outcome=run.outcome,
                                          heartbeat_at=run.heartbeat_at,
                                          requeue_count=run.requeue_count)
            now = timezone.now()
            if give_up:
                error = (f"Given up: its worker went silent {run.requeue_count + 1} times "
                         f"(re-queued {run.requeue_count} times).")
                won = claim.update(outcome=DayRun.Outcome.FAILED, error=error, finished_at=now)
            else:
                won = claim.update(requeue_count=F("requeue_count") + 1, requeued_at=now)
            if won != 1:
                return None
            requeues = run.requeue_count if give_up else run.requeue_count + 1
            message = (f"run {run.pk} failed: no worker finished it after "
                       f"{requeues} re-queues" if give_up else
                       f"run {run.pk} re-queued (re-queue {requeues}): no heartbeat for "
                       f"{silent_seconds} s and nobody held the simulation's lock")
            _log_line(run, message, {"silent_seconds": silent_seconds, "requeues": requeues})
    except SimulationBusy:
        return None  # a worker took the lock meanwhile: it is not stale
    if give_up:
        return "failed"
    day_run_task().apply_async(args=[run.pk], task_id=run.task_id or None)
    return "requeued"


def _log_line(run: DayRun, message: str, context: dict[str, int]) -> None:
    """The operator sees it among the simulation's tick logs (at its current tick) and in the
    worker's log."""
    logger.warning("simulation %s: %s", run.simulation_id, message)
    sim = Simulation.objects.only("tick", "ticks_per_day").get(pk=run.simulation_id)
    TickLog.objects.create(
        simulation_id=run.simulation_id, tick=sim.tick,
        day=sim.day, level=TickLog.Level.WARNING,
        message=message, context={"day_run_id": run.pk, **context})
