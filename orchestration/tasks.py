"""Celery tasks: ids in, one service call. Retries live here: a run that finds its simulation
locked by another waits and tries again; a soft time limit hands the rest of the run to a new
delivery (it resumes from the last committed tick)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings

from orchestration.reaper import day_runs_requeue_stale
from orchestration.runs import RUN_DAY_TASK, day_run_execute, schedule_fire
from simulations.locks import SimulationBusy
from simulations.models import DayRun
from simulations.schedules import TASK as RUN_SCHEDULED_TASK

RUN_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,  # a worker that dies mid-run leaves the message to be delivered again
    "max_retries": settings.SIMULATION_BUSY_MAX_RETRIES,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
}


def _progress(task: Task):
    def report(current: int, total: int) -> None:
        task.update_state(state="PROGRESS", meta={"current": current, "total": total})
    return report


def _summary(run: DayRun | None) -> dict[str, Any]:
    if run is None:
        return {"outcome": "skipped"}
    return {"day_run": run.pk, "outcome": run.outcome, "ticks_done": run.ticks_done,
            "total": run.ticks_requested, "end_tick": run.end_tick}


def _execute(task: Task, call: Any) -> dict[str, Any]:
    try:
        return _summary(call())
    except SimulationBusy as exc:
        raise task.retry(exc=exc, countdown=settings.SIMULATION_BUSY_RETRY_SECONDS) from exc
    except SoftTimeLimitExceeded as exc:
        raise task.retry(exc=exc, countdown=0) from exc


# One task for every DayRun, whatever its mode: the run row says how many ticks. Its name is
# the one day and fill runs always had; messages named `simulations.run_ticks` left in a queue
# by an older release are refused as unregistered, and the stale-run sweep re-queues their
# runs (still queued, silent) under this name, so no alias is kept.
@shared_task(name=RUN_DAY_TASK, **RUN_OPTIONS)
def run_day(self: Task, day_run_id: int) -> dict[str, Any]:
    """A DayRun: a day, the rest of one, or N ticks (which may cross day boundaries)."""
    return _execute(self, lambda: day_run_execute(day_run_id=day_run_id,
                                                  progress=_progress(self)))


@shared_task(name=RUN_SCHEDULED_TASK, **RUN_OPTIONS)
def run_scheduled(self: Task, schedule_id: int, due_at: str | None = None) -> dict[str, Any]:
    """A beat firing of a Schedule. Its task id identifies a redelivery; `due_at` (ISO time,
    added by orchestration.beat) identifies the firing, which runs once."""
    due = dt.datetime.fromisoformat(due_at) if due_at else None
    return _execute(self, lambda: schedule_fire(schedule_id=schedule_id,
                                                task_id=self.request.id, due_at=due,
                                                progress=_progress(self)))


@shared_task(name="simulations.requeue_stale_runs", time_limit=60, soft_time_limit=50)
def requeue_stale_runs() -> dict[str, list[int]]:
    """Beat's sweep (every SIMULATION_RUN_REAP_SECONDS): runs nobody works on go back to the
    queue."""
    sweep = day_runs_requeue_stale()
    return {"requeued": sweep.requeued, "failed": sweep.failed}


@worker_ready.connect
def _sweep_when_a_worker_starts(**_: Any) -> None:
    """A worker coming back after a crash picks up the runs left behind at once, without
    waiting for beat. Sent as a task: the worker's main process (the prefork parent) keeps no
    database connection of its own."""
    requeue_stale_runs.apply_async(expires=settings.SIMULATION_RUN_REAP_SECONDS)
