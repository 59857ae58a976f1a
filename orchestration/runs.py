"""Runs: a DayRun records a request to advance (who, how many ticks, from which tick) and is
executed by a Celery task; redelivered or duplicated tasks resume or find nothing to do."""

from __future__ import annotations

import datetime as dt
import uuid

from celery import Task, current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from econsim_project.field_errors import field_error
from orchestration.advance import Progress, simulation_advance
from simulations.locks import simulation_lock
from simulations.models import (
    ACTIVE_OUTCOMES,
    Checkpoint,
    DayRun,
    Schedule,
    Simulation,
    run_ticks_validate,
)

FINAL = (DayRun.Outcome.SUCCEEDED, DayRun.Outcome.FAILED, DayRun.Outcome.NOOP,
         DayRun.Outcome.STOPPED)

# The run task's name: queued messages and beat entries carry it, so it never changes.
RUN_DAY_TASK = "simulations.run_day"


def run_ticks_resolve(*, simulation: Simulation, mode: str, ticks: int | None) -> int:
    """How many ticks a request means: a day (default: ticks per day), the rest of the
    current day (fill), or exactly N."""
    if mode == DayRun.Mode.FILL:
        if ticks is not None:
            raise field_error("ticks", "not_allowed",
                              "Filling the day runs the ticks left in it; do not give ticks.")
        return simulation.ticks_left_in_day
    if ticks is None:
        if mode == DayRun.Mode.TICKS:
            raise field_error("ticks", "required", "Required.")
        return simulation.ticks_per_day
    run_ticks_validate(ticks)
    return ticks


def _check_runnable(simulation: Simulation) -> None:
    if simulation.archived_at is not None:
        raise field_error("simulation", "archived", "The simulation is archived.")
    if simulation.status != Simulation.Status.RUNNING:
        raise field_error("status", "not_running",
                          f"The simulation is {simulation.status}; resume it first.")


def day_run_request(*, simulation_id: int, mode: str = DayRun.Mode.DAY, ticks: int | None = None,
                    requested_by_id: int | None = None,
                    via: str = DayRun.Via.ADMIN) -> DayRun:
    """Record a run from the simulation's current tick and queue it once committed. Two
    requests made at the same tick both expect that tick: the second finds it stale."""
    simulation = Simulation.objects.get(pk=simulation_id)
    _check_runnable(simulation)
    count = run_ticks_resolve(simulation=simulation, mode=mode, ticks=ticks)
    task_id = str(uuid.uuid4())
    with transaction.atomic():
        run = DayRun.objects.create(
            simulation=simulation, requested_by_id=requested_by_id, requested_via=via,
            task_id=task_id, expected_tick=simulation.tick, ticks_requested=count, mode=mode)
        day_run_task().apply_async_on_commit(args=[run.pk], task_id=task_id)
    return run


def day_run_task() -> Task:
    """The task that executes a run (any run, any mode, scheduled ones included: by its id).
    Looked up by name, not imported: the tasks module sits above this one and imports it
    (SimulationsConfig.ready imports the tasks, so the name is registered in every process)."""
    return current_app.tasks[RUN_DAY_TASK]


def _heartbeat(run_id: int, **fields: object) -> None:
    """A worker is on the run: the stale-run sweep leaves it alone (see DayRun.last_seen_at)."""
    DayRun.objects.filter(pk=run_id, outcome__in=ACTIVE_OUTCOMES).update(
        heartbeat_at=timezone.now(), **fields)


def day_run_execute(*, day_run_id: int, progress: Progress | None = None) -> DayRun:
    """Run (or resume) a DayRun. Raises SimulationBusy when another run holds the lock."""
    run = DayRun.objects.get(pk=day_run_id)
    if run.outcome in FINAL:
        return run
    # Taken from the queue: even a delivery that finds the lock busy and waits is a sign of life.
    _heartbeat(run.pk)
    with simulation_lock(simulation_id=run.simulation_id):
        run.refresh_from_db()  # under the lock: what the last holder left
        if run.outcome in FINAL:
            return run
        start = run.expected_tick + run.ticks_done
        remaining = run.ticks_requested - run.ticks_done
        tick = Simulation.objects.values_list("tick", flat=True).get(pk=run.simulation_id)
        if remaining == 0:  # the last tick committed, then the worker died
            return _finish(run, DayRun.Outcome.SUCCEEDED)
        if tick != start:
            error = "" if run.ticks_done == 0 else f"The simulation moved to tick {tick}."
            outcome = DayRun.Outcome.NOOP if run.ticks_done == 0 else DayRun.Outcome.STOPPED
            return _finish(run, outcome, error=error)
        start_checkpoint = (Checkpoint.objects.filter(simulation_id=run.simulation_id,
                                                      tick=start)
                            .values_list("pk", flat=True).first())
        _heartbeat(
            run.pk, outcome=DayRun.Outcome.RUNNING,
            started_at=Coalesce("started_at", timezone.now()),
            start_tick=Coalesce("start_tick", start),
            start_checkpoint_id=Coalesce("start_checkpoint_id", start_checkpoint))
        try:
            result = simulation_advance(
                simulation_id=run.simulation_id, expected_tick=start, ticks=remaining,
                day_run_id=run.pk, day_run_done=run.ticks_done, progress=progress)
        except SoftTimeLimitExceeded:
            raise  # the task goes on in a new delivery, from the last committed tick
        except Exception as exc:
            run.refresh_from_db()
            _finish(run, DayRun.Outcome.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        run.refresh_from_db()
        run.script_versions = {**run.script_versions, **result.versions_in_force}
        outcome = {"advanced": DayRun.Outcome.SUCCEEDED, "stale": DayRun.Outcome.NOOP,
                   "stopped": DayRun.Outcome.STOPPED}[result.outcome]
        return _finish(run, outcome)


def _finish(run: DayRun, outcome: str, error: str = "") -> DayRun:
    run.outcome = outcome
    run.error = error[:10_000]
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error", "finished_at", "script_versions"])
    return run


def schedule_fire(*, schedule_id: int, task_id: str, due_at: dt.datetime | None = None,
                  progress: Progress | None = None) -> DayRun | None:
    """A beat firing. Skipped (None), quietly, when the schedule was deleted or is off, when
    the simulation is not running, and when this firing (schedule, due time) already has its
    run under another task id: beat sent it again after a restart. A redelivery of the same
    task (same task id) resumes its run."""
    schedule = Schedule.objects.select_related("simulation").filter(pk=schedule_id).first()
    if schedule is None:
        return None
    simulation = schedule.simulation
    if (not schedule.enabled or simulation.status != Simulation.Status.RUNNING
            or simulation.archived_at is not None):
        return None
    run = DayRun.objects.filter(task_id=task_id).first()
    if run is None:
        if due_at is not None and DayRun.objects.filter(schedule=schedule,
                                                        due_at=due_at).exists():
            return None
        mode = DayRun.Mode.FILL if schedule.ticks is None else DayRun.Mode.TICKS
        try:
            with transaction.atomic():
                run = DayRun.objects.create(
                    task_id=task_id, simulation=simulation, requested_via=DayRun.Via.SCHEDULE,
                    schedule=schedule, due_at=due_at, expected_tick=simulation.tick, mode=mode,
                    ticks_requested=run_ticks_resolve(simulation=simulation, mode=mode,
                                                      ticks=schedule.ticks))
        except IntegrityError:  # a twin message got there first: by task id or by firing
            run = DayRun.objects.filter(task_id=task_id).first()
            if run is None:
                return None
    return day_run_execute(day_run_id=run.pk, progress=progress)
