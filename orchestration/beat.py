"""Beat's scheduler: django-celery-beat's database scheduler, plus the due time of each
schedule firing in the message, so that a firing is run once per (schedule, due time).

Why: beat saves an entry's last run time only every few minutes. A beat killed in between
restarts from the older time and sends the last firing again, under a new task id. The due
time it computes from that older time is the same as the first time, so the run task
recognises the second message (`orchestration.runs.schedule_fire`) and skips it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django_celery_beat.schedulers import DatabaseScheduler

from simulations.schedules import TASK as RUN_SCHEDULED_TASK


def firing_due_at(*, schedule: Any, last_run_at: dt.datetime) -> dt.datetime:
    """When an entry that last ran at `last_run_at` is next due (exactly; not "now")."""
    if isinstance(schedule, crontab):
        start, delta, _ = schedule.remaining_delta(last_run_at)
        return start + delta
    return schedule.maybe_make_aware(last_run_at) + schedule.run_every


class FiringScheduler(DatabaseScheduler):
    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True,
                    **kwargs: Any) -> Any:
        if entry.task != RUN_SCHEDULED_TASK:
            return super().apply_async(entry, producer, advance, **kwargs)
        due_at = firing_due_at(schedule=entry.schedule, last_run_at=entry.last_run_at)
        stored = entry.kwargs
        entry.kwargs = {**(stored or {}), "due_at": due_at.isoformat()}
        try:  # for this message only: the entry is kept and sent again later
            return super().apply_async(entry, producer, advance, **kwargs)
        finally:
            entry.kwargs = stored
