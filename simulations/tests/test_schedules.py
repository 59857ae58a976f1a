from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from orchestration.advance import simulation_advance
from orchestration.runs import schedule_fire
from simulations.models import DayRun, Simulation
from simulations.schedules import schedule_save
from simulations.services import simulations_archive

pytestmark = pytest.mark.django_db


def test_a_daily_schedule_becomes_a_utc_crontab_periodic_task(simulation):
    schedule = schedule_save(simulation_id=simulation.pk, kind="daily",
                             time_utc=dt.time(9, 0))
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert (task.task, json.loads(task.args), task.enabled) == (
        "simulations.run_scheduled", [schedule.pk], True)
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "9", "0", "UTC")
    with pytest.raises(ValidationError) as err:
        schedule_save(simulation_id=simulation.pk, kind="interval", every_minutes=0)
    assert set(err.value.message_dict) == {"every_minutes"}


def test_a_firing_runs_the_rest_of_the_day_once_per_task_id(simulation):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    schedule = schedule_save(simulation_id=simulation.pk, kind="interval", every_minutes=60)
    run = schedule_fire(schedule_id=schedule.pk, task_id="beat-1")
    assert (run.outcome, run.ticks_done, run.mode, run.requested_via) == (
        "succeeded", 3, "fill", "schedule")
    again = schedule_fire(schedule_id=schedule.pk, task_id="beat-1")  # a redelivery
    assert again.pk == run.pk
    assert Simulation.objects.get(pk=simulation.pk).tick == 4
    fixed = schedule_save(simulation_id=simulation.pk, kind="interval", every_minutes=5,
                          ticks=2, schedule_id=schedule.pk)
    assert schedule_fire(schedule_id=fixed.pk, task_id="beat-2").ticks_done == 2
    assert Simulation.objects.get(pk=simulation.pk).tick == 6


def test_paused_and_archived_simulations_are_skipped(simulation):
    schedule = schedule_save(simulation_id=simulation.pk, kind="daily", time_utc=dt.time(6))
    Simulation.objects.filter(pk=simulation.pk).update(status="paused")
    assert schedule_fire(schedule_id=schedule.pk, task_id="beat-1") is None
    Simulation.objects.filter(pk=simulation.pk).update(status="running")
    simulations_archive(simulation_ids=[simulation.pk])
    assert schedule_fire(schedule_id=schedule.pk, task_id="beat-2") is None
    assert not DayRun.objects.exists()
    assert PeriodicTask.objects.get(pk=schedule.periodic_task_id).enabled is False


def test_setup_periodic_tasks_is_idempotent_and_removes_orphans(simulation, capsys):
    schedule = schedule_save(simulation_id=simulation.pk, kind="daily", time_utc=dt.time(9))
    PeriodicTask.objects.filter(pk=schedule.periodic_task_id).delete()  # lost by hand
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="simulation-schedule-999",
                                task="simulations.run_scheduled", interval=every_minute)
    call_command("setup_periodic_tasks")
    assert "1 schedule(s) synced, 1 orphan(s) removed" in capsys.readouterr().out
    before = list(PeriodicTask.objects.values_list("name", "task", "args", "enabled",
                                                   "crontab_id"))
    call_command("setup_periodic_tasks")
    assert "0 orphan(s)" in capsys.readouterr().out
    assert list(PeriodicTask.objects.values_list("name", "task", "args", "enabled",
                                                  "crontab_id")) == before
    schedule.refresh_from_db()
    assert schedule.periodic_task.name == f"simulation-schedule-{schedule.pk}"

