"""Scheduled runs: each Schedule row is mirrored into one django-celery-beat PeriodicTask
(DatabaseScheduler), which fires `simulations.run_scheduled(schedule_id)`."""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django_celery_beat.models import (
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
)

from econsim_project.field_errors import field_error
from simulations.models import Schedule, Simulation, run_ticks_validate

TASK = "simulations.run_scheduled"
NAME_PREFIX = "simulation-schedule-"


def schedule_validate(*, kind: str, time_utc: dt.time | None, every_minutes: int | None,
                      ticks: int | None) -> None:
    if kind not in Schedule.Kind.values:
        raise field_error("kind", "invalid_choice", f"One of {', '.join(Schedule.Kind.values)}.")
    if kind == Schedule.Kind.DAILY and time_utc is None:
        raise field_error("time_utc", "required", "Required for a daily schedule (HH:MM, UTC).")
    if kind == Schedule.Kind.INTERVAL and not (every_minutes and every_minutes >= 1):
        raise field_error("every_minutes", "required", "At least 1 for an interval schedule.")
    if ticks is not None:
        run_ticks_validate(ticks)


def schedule_save(*, simulation_id: int, kind: str, time_utc: dt.time | None = None,
                  every_minutes: int | None = None, ticks: int | None = None,
                  enabled: bool = True, schedule_id: int | None = None) -> Schedule:
    """Create (schedule_id None) or edit a schedule and its periodic task."""
    schedule_validate(kind=kind, time_utc=time_utc, every_minutes=every_minutes, ticks=ticks)
    with transaction.atomic():
        if schedule_id is None:
            schedule = Schedule(simulation_id=simulation_id)
        else:
            schedule = Schedule.objects.select_for_update().get(pk=schedule_id,
                                                                simulation_id=simulation_id)
        schedule.kind = kind
        schedule.time_utc = time_utc if kind == Schedule.Kind.DAILY else None
        schedule.every_minutes = every_minutes if kind == Schedule.Kind.INTERVAL else None
        schedule.ticks, schedule.enabled = ticks, enabled
        if schedule_id is None:
            schedule.save()
        else:
            schedule.save(update_fields=["kind", "time_utc", "every_minutes", "ticks",
                                         "enabled"])
        periodic_task_sync(schedule=schedule)
    return schedule


def schedule_delete(*, schedule_id: int) -> None:
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule_id)
        if schedule.periodic_task_id:
            PeriodicTask.objects.filter(pk=schedule.periodic_task_id).delete()
        schedule.delete()


def schedules_disable(*, simulation_ids: list[int]) -> int:
    """Switch off the schedules of archived simulations (their rows stay, for the record)."""
    schedules = Schedule.objects.filter(simulation_id__in=simulation_ids, enabled=True)
    task_ids = list(schedules.exclude(periodic_task=None).values_list("periodic_task_id",
                                                                      flat=True))
    if PeriodicTask.objects.filter(pk__in=task_ids).update(enabled=False):
        PeriodicTasks.update_changed()  # a bulk update sends no signal: tell beat ourselves
    return schedules.update(enabled=False)


def periodic_task_sync(*, schedule: Schedule) -> PeriodicTask:
    """Make the schedule's PeriodicTask match it (idempotent)."""
    fields: dict[str, object] = {"crontab": None, "interval": None}
    if schedule.kind == Schedule.Kind.DAILY:
        fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
            minute=str(schedule.time_utc.minute), hour=str(schedule.time_utc.hour),
            day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC")
    else:
        fields["interval"], _ = IntervalSchedule.objects.get_or_create(
            every=schedule.every_minutes, period=IntervalSchedule.MINUTES)
    archived = Simulation.objects.filter(pk=schedule.simulation_id,
                                         archived_at__isnull=False).exists()
    task, _ = PeriodicTask.objects.update_or_create(
        name=f"{NAME_PREFIX}{schedule.pk}",
        defaults={**fields, "task": TASK, "args": json.dumps([schedule.pk]),
                  "enabled": schedule.enabled and not archived,
                  "description": str(schedule)})
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        schedule.save(update_fields=["periodic_task"])
    return task


def periodic_tasks_setup() -> tuple[int, int]:
    """Sync every schedule's periodic task and delete orphans; returns (synced, deleted)."""
    with transaction.atomic():
        schedules = list(Schedule.objects.all())
        keep = [periodic_task_sync(schedule=s).pk for s in schedules]
        deleted, _ = (PeriodicTask.objects.filter(name__startswith=NAME_PREFIX)
                      .exclude(pk__in=keep).delete())
    return len(schedules), deleted
