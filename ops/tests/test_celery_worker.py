"""Tasks run on a real Celery worker process against the test database and Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_celery_results.models import TaskResult

from econsim_project.celery import app
from ops.services import HEARTBEAT_KEY
from ops.tasks import worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def live_worker(transactional_db) -> Iterator[subprocess.Popen]:
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "a live-worker test needs CELERY_BROKER_URL"
    assert connection.vendor == "postgresql"
    env = dict(os.environ, DATABASE_URL=_database_url())
    name = f"test-{os.getpid()}@{socket.gethostname()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "econsim_project",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-n",
            name,
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"worker exited: {worker.stdout.read()}")
        if app.control.ping(destination=[name], timeout=0.5):
            break
    else:
        worker.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 s")
    yield worker
    worker.terminate()
    worker.wait(timeout=30)


def test_a_task_runs_on_the_worker_and_records_its_result_in_postgres(live_worker):
    result = worker_heartbeat.delay()
    beat = result.get(timeout=30)
    assert beat["worker"].startswith(f"test-{os.getpid()}@")  # not run in this process
    assert cache.get(HEARTBEAT_KEY) == beat  # written through Redis by the worker
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "ops.worker_heartbeat"


def test_health_reports_the_worker_heartbeat(live_worker, api_client):
    before = api_client.get("/api/health/").json()
    assert before["checks"]["tasks"] == {"ok": False, "mode": "broker", "last_heartbeat": None}
    assert before["status"] == "degraded"
    worker_heartbeat.delay().get(timeout=30)
    after = api_client.get("/api/health/").json()
    assert after["checks"]["tasks"]["ok"] is True
    assert after["status"] == "ok"
