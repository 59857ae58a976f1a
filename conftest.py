"""Fixtures shared by every app's tests: a cast of users, API clients, a clean cache.

Django is imported lazily so that the pure engine and sandbox suites also run without it
(`pytest -p no:django simulations/tests/engine`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


def _django_ready() -> bool:
    from django.conf import settings

    return settings.configured


@pytest.fixture(scope="session", autouse=True)
def _plain_static_files() -> Iterator[None]:
    """Production serves hashed names from collected files; the test servers (live_server)
    serve static files through the finders, so pages must link the plain names."""
    if not _django_ready():
        yield
        return
    from django.conf import settings
    from django.test import override_settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns otherwise
    storages = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(scope="session", autouse=True)
def _tasks_in_process_without_a_broker_server() -> Iterator[None]:
    """With no broker server (the embedded test run) no worker runs beside the tests, so the
    tests that queue a task run it in-process. Outside the tests tasks always go to a worker."""
    if not _django_ready():
        yield
        return
    from django.conf import settings

    from econsim_project.celery import app

    app.conf.task_always_eager = settings.BROKER_IN_FILES
    yield


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Throttle counters and heartbeats must not leak from one test into the next."""
    if not _django_ready():
        return
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # only this run's key prefix
    else:
        cache.clear()


@pytest.fixture
def owner(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(username="owner")


@pytest.fixture
def other_user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(username="other")


@pytest.fixture
def operator(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(username="operator1", is_staff=True, is_superuser=True)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def owner_client(owner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def celery_live_worker(transactional_db):
    """A real Celery worker process on the test database (see econsim_project.testing)."""
    from econsim_project.testing import LiveWorker

    worker = LiveWorker().start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_live_beat(transactional_db):
    """A real `celery beat` process on the test database, sending the project's periodic
    tasks to this run's queue (see econsim_project.testing)."""
    from econsim_project.testing import LiveBeat

    beat = LiveBeat().start()
    yield beat
    beat.stop()
