"""Tasks run on a real Celery worker process against the test database and Redis."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
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
    assert before["checks"]["tasks"] == {"ok": False, "mode": "broker", "last_heartbeat": None}
    assert before["status"] == "degraded"
    worker_heartbeat.delay().get(timeout=30)
    after = api_client.get("/api/health/").json()
    assert after["checks"]["tasks"]["ok"] is True
    assert after["status"] == "ok"


def test_beat_sends_a_heartbeat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ops-worker-heartbeat"]
    assert entry == {"task": "ops.worker_heartbeat", "schedule": 60.0}
    assert "history-prune-tick-logs" in settings.CELERY_BEAT_SCHEDULE  # apps add theirs
