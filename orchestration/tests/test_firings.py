"""A schedule firing runs once per (schedule, due time), whatever beat sends twice; a firing
of a deleted schedule is skipped without an error."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab, schedule
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from econsim_project.testing import LiveBeat, wait_until
from orchestration.beat import firing_due_at
from orchestration.runs import schedule_fire
from orchestration.tasks import run_scheduled
from simulations.models import DayRun, Schedule, Simulation
from simulations.schedules import schedule_delete, schedule_save

UTC = dt.UTC
LAST = dt.datetime(2026, 12, 4, 9, 30, 12, tzinfo=UTC)


def test_the_due_time_follows_the_last_run_not_the_clock():
    assert firing_due_at(schedule=schedule(dt.timedelta(minutes=10)), last_run_at=LAST) == (
        LAST + dt.timedelta(minutes=10))
    daily = crontab(minute=0, hour=6)
    assert firing_due_at(schedule=daily, last_run_at=LAST) == dt.datetime(
        2026, 12, 5, 6, 0, tzinfo=UTC)
    assert firing_due_at(schedule=daily, last_run_at=LAST - dt.timedelta(hours=4)) == (
        dt.datetime(2026, 12, 4, 6, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_a_firing_sent_again_under_another_task_id_is_skipped(simulation):
    plan = schedule_save(simulation_id=simulation.pk, kind="interval", every_minutes=10)
    due = LAST + dt.timedelta(minutes=10)
    first = schedule_fire(schedule_id=plan.pk, task_id="beat-1", due_at=due)
    assert (first.outcome, first.ticks_done) == ("succeeded", 4)
    assert schedule_fire(schedule_id=plan.pk, task_id="beat-1-again", due_at=due) is None
    assert schedule_fire(schedule_id=plan.pk, task_id="beat-1", due_at=due).pk == first.pk
    later = schedule_fire(schedule_id=plan.pk, task_id="beat-2",
                          due_at=due + dt.timedelta(minutes=10))
    assert later.ticks_done == 4
    assert DayRun.objects.count() == 2
    assert Simulation.objects.get(pk=simulation.pk).tick == 8


@pytest.mark.django_db
def test_a_firing_of_a_deleted_schedule_is_skipped_quietly(simulation):
    plan = schedule_save(simulation_id=simulation.pk, kind="interval", every_minutes=10)
    schedule_delete(schedule_id=plan.pk)
    result = run_scheduled.apply(args=[plan.pk], kwargs={"due_at": LAST.isoformat()})
    assert (result.successful(), result.result) == (True, {"outcome": "skipped"})
    assert not DayRun.objects.exists()


@pytest.mark.services
def test_a_beat_killed_before_saving_its_last_run_sends_the_firing_once(
        celery_live_worker, simulation):
    """A real beat fires an overdue schedule and is killed (SIGKILL) before it saves the
    firing's time; the restarted beat sends the same firing again; one run happens."""
    beat = LiveBeat().start()
    try:
        _fire_once_and_kill_beat(beat, simulation)
    finally:
        beat.stop()
    plan = Schedule.objects.get(simulation=simulation)
    overdue = plan.day_runs.get().due_at - dt.timedelta(minutes=60)
    assert PeriodicTask.objects.get(pk=plan.periodic_task_id).last_run_at == overdue

    again = LiveBeat().start()
    try:
        wait_until(lambda: _skipped_firings(celery_live_worker) == 1,
                   what="the worker skipping the firing sent again")
    finally:
        again.stop()
    assert plan.day_runs.count() == 1
    assert Simulation.objects.get(pk=simulation.pk).tick == 4


def _fire_once_and_kill_beat(beat: LiveBeat, simulation: Simulation) -> None:
    # Beat saves its entries right after the first task it sends, then every 3 minutes:
    # once the sweep has gone, the next firing stays unsaved for a while.
    wait_until(lambda: "Sending due task simulations-requeue-stale-runs" in beat.log(),
               what="beat's first task")
    plan = schedule_save(simulation_id=simulation.pk, kind="interval", every_minutes=60)
    overdue = timezone.now() - dt.timedelta(minutes=61)
    PeriodicTask.objects.filter(pk=plan.periodic_task_id).update(last_run_at=overdue)
    PeriodicTasks.update_changed()

    def runs() -> list[DayRun]:
        return list(DayRun.objects.filter(schedule_id=plan.pk))

    wait_until(lambda: runs() and runs()[0].outcome == "succeeded", what="the firing")
    beat.process.kill()  # no clean shutdown
    beat.process.wait(timeout=30)


def _skipped_firings(worker) -> int:
    return sum("simulations.run_scheduled[" in line and "'outcome': 'skipped'" in line
               for line in worker.log().splitlines())
