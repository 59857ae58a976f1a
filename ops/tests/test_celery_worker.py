"""Tasks run on a real Celery worker process against the test database and Redis."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_celery_results.models import TaskResult

from ops.services import HEARTBEAT_KEY
from ops.tasks import worker_heartbeat

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_task_runs_on_the_worker_and_records_its_result_in_postgres(celery_live_worker):
    result = worker_heartbeat.delay()
    beat = result.get(timeout=30)
    assert beat["worker"].startswith(f"test-{os.getpid()}@")  # not run in this process
    assert cache.get(HEARTBEAT_KEY) == beat  # written through Redis by the worker
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "ops.worker_heartbeat"


def test_health_reports_the_worker_heartbeat(celery_live_worker, api_client):
    before = api_client.get("/api/health/").json()
    assert before["checks"]["tasks"] == {"ok": False, "broker": "server", "last_heartbeat": None}
    assert before["status"] == "degraded"
    worker_heartbeat.delay().get(timeout=30)
    after = api_client.get("/api/health/").json()
    assert after["checks"]["tasks"]["ok"] is True
    assert after["status"] == "ok"


def test_beat_sends_the_worker_a_heartbeat_every_minute(celery_live_worker, api_client):
    """A real `celery beat` and a real worker: nobody but beat queues the heartbeat. The entry
    is made as if beat had last sent it 61 s ago, so the first due minute comes now."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from econsim_project.testing import LiveBeat

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60,
                                                             period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="ops-worker-heartbeat", task="ops.worker_heartbeat",
                                interval=every_minute,
                                last_run_at=timezone.now() - timedelta(seconds=61))
    assert cache.get(HEARTBEAT_KEY) is None
    beat = LiveBeat().start()
    try:
        deadline = time.monotonic() + 30
        while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        beat.stop()
    heartbeat = cache.get(HEARTBEAT_KEY)
    assert heartbeat is not None, beat.log()
    assert heartbeat["worker"] == celery_live_worker.name  # written by the live worker
    assert api_client.get("/api/health/").json()["checks"]["tasks"]["ok"] is True
    stored = TaskResult.objects.get(task_name="ops.worker_heartbeat")
    assert stored.status == "SUCCESS"
    entry = PeriodicTask.objects.get(name="ops-worker-heartbeat")
    assert (entry.interval.every, entry.interval.period) == (60, IntervalSchedule.SECONDS)
    assert entry.total_run_count == 1  # sent once: the next is a minute away
