"""Runs never hang silently (issue 12): a queued or running run that nobody works on is found
by its heartbeat and its simulation's free lock, shown as stale, and queued again; a run whose
worker is alive is never touched. The kill -9 test is in test_faults.py."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from econsim_project.testing import LiveWorker, wait_until
from history.models import TickLog
from orchestration.reaper import _take_over, day_runs_requeue_stale
from orchestration.runs import day_run_request
from simulations.locks import LOCK_NAMESPACE
from simulations.models import DayRun, Simulation
from simulations.tests.conftest import make_simulation

pytestmark = pytest.mark.services


def _lost_run(simulation: Simulation, *, silent_for: float, **fields: object) -> DayRun:
    """A run recorded but never sent (its message lost), requested `silent_for` seconds ago."""
    run = DayRun.objects.create(simulation=simulation, task_id=str(uuid.uuid4()),
                                expected_tick=simulation.tick,
                                ticks_requested=simulation.ticks_per_day)
    past = timezone.now() - dt.timedelta(seconds=silent_for)
    DayRun.objects.filter(pk=run.pk).update(created_at=past, **fields)
    run.refresh_from_db()
    return run


@contextmanager
def _lock_held_elsewhere(simulation_id: int) -> Iterator[None]:
    """Another session (a live worker, as far as PostgreSQL can tell) holds the lock."""
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None,
                         dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, simulation_id])
        yield


@pytest.mark.django_db
def test_a_stale_run_shows_as_stale_on_the_api_and_the_operator_pages(operator):
    simulation = make_simulation(ticks_per_day=12)
    ago = timezone.now() - dt.timedelta(seconds=45)
    run = _lost_run(simulation, silent_for=300, outcome=DayRun.Outcome.RUNNING,
                    heartbeat_at=ago, started_at=ago, ticks_done=5)
    api = APIClient()
    api.force_authenticate(operator)
    web = Client()
    web.force_login(operator)
    pages = ["/operator/", f"/admin/simulations/simulation/{simulation.pk}/console/"]

    shown = api.get(f"/api/tasks/{run.task_id}/").json()["day_run"]
    assert shown["stale"] is True and 45 <= shown["silent_seconds"] < 60
    assert shown["outcome"] == "running" and shown["requeue_count"] == 0
    for page in pages:
        html = web.get(page).content.decode()
        assert 'data-testid="run-stale"' in html and "no heartbeat for 4" in html, page

    # The same silence while a live session holds the simulation's lock (a slow tick) is not
    # stale: somebody is advancing it.
    with _lock_held_elsewhere(simulation.pk):
        shown = api.get(f"/api/tasks/{run.task_id}/").json()["day_run"]
        assert shown["stale"] is False and shown["silent_seconds"] >= 45
        for page in pages:
            assert 'data-testid="run-stale"' not in web.get(page).content.decode(), page
        assert day_runs_requeue_stale().requeued == []
    run.refresh_from_db()
    assert (run.requeue_count, run.outcome) == (0, DayRun.Outcome.RUNNING)


@pytest.mark.slow
def test_a_run_whose_worker_holds_the_lock_is_never_requeued_however_long_its_silence(
        celery_live_worker, settings):
    """With a threshold of 0 s every gap between two heartbeats is "too long": only the lock
    the live worker holds through the run keeps the sweep off it."""
    settings.SIMULATION_RUN_STALE_SECONDS = 0
    simulation = make_simulation(ticks_per_day=60)
    run = day_run_request(simulation_id=simulation.pk)
    wait_until(lambda: DayRun.objects.get(pk=run.pk).ticks_done >= 2, what="the run to start")
    sweeps = 0
    while DayRun.objects.get(pk=run.pk).outcome == DayRun.Outcome.RUNNING:
        assert day_runs_requeue_stale().requeued == []
        sweeps += 1
    run.refresh_from_db()
    assert sweeps >= 10  # the sweep really ran during the run
    assert (run.outcome, run.ticks_done, run.requeue_count) == (DayRun.Outcome.SUCCEEDED, 60, 0)
    assert not TickLog.objects.filter(simulation_id=simulation.pk, level="warning").exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_runs_whose_message_was_lost_are_requeued_once_and_a_starting_worker_sweeps_at_once():
    swept = _lost_run(make_simulation("lost-1", ticks_per_day=4), silent_for=45)
    young = _lost_run(make_simulation("young", ticks_per_day=4), silent_for=1)
    # A sweep queues the stale run (not the young one); a second sweep right after finds
    # nothing new to do: one message.
    assert day_runs_requeue_stale().requeued == [swept.pk]
    assert day_runs_requeue_stale().requeued == []
    # Lost while no worker was up: nobody sweeps until a worker starts (no beat here).
    left = _lost_run(make_simulation("lost-2", ticks_per_day=4), silent_for=45)
    worker = LiveWorker()
    try:
        worker.start()
        for run in (swept, left):
            wait_until(
                lambda r=run: DayRun.objects.get(pk=r.pk).outcome == DayRun.Outcome.SUCCEEDED,
                what=f"run {run.pk}")
    finally:
        worker.stop()
    for run in (swept, left):
        run.refresh_from_db()
        assert (run.ticks_done, run.end_tick, run.requeue_count) == (4, 4, 1)
        assert worker.log().count(f"Task simulations.run_day[{run.task_id}] received") == 1
    young.refresh_from_db()
    assert (young.outcome, young.requeue_count) == (DayRun.Outcome.QUEUED, 0)


@pytest.mark.django_db
def test_a_run_that_keeps_losing_its_worker_fails_after_the_requeue_limit(settings):
    settings.SIMULATION_RUN_MAX_REQUEUES = 3
    simulation = make_simulation(ticks_per_day=4)
    long_ago = timezone.now() - dt.timedelta(hours=2)
    run = _lost_run(simulation, silent_for=3 * 3600, outcome=DayRun.Outcome.RUNNING,
                    heartbeat_at=long_ago, requeued_at=long_ago, requeue_count=3)
    read_by_another_sweep = DayRun.objects.get(pk=run.pk)
    sweep = day_runs_requeue_stale()
    assert (sweep.requeued, sweep.failed) == ([], [run.pk])
    run.refresh_from_db()
    assert run.outcome == DayRun.Outcome.FAILED and "silent 4 times" in run.error
    # A second sweep that read the run before the first took it over loses the claim.
    assert _take_over(read_by_another_sweep, silent_seconds=7200) is None
    assert TickLog.objects.filter(simulation_id=simulation.pk, level="warning",
                                  context__day_run_id=run.pk).count() == 1
