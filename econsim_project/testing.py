"""Test support shared by every app: a real Celery worker process on the test database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

from econsim_project.celery import app

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """DATABASE_URL of the database this test run uses (pytest-django's test_ database)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(predicate: Callable[[], object], timeout: float = 90, what: str = "") -> None:
    """Poll `predicate` every 50 ms until it is true; AssertionError naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class LiveWorker:
    """A `celery worker` process (solo pool) consuming this run's queue, on the test database.
    Tests can kill it (SIGKILL, like a crashed machine) and start it again."""

    def __init__(self) -> None:
        if settings.BROKER_IN_FILES:
            raise RuntimeError("a live-worker test needs a broker server (CELERY_BROKER_URL)")
        if connection.vendor != "postgresql":
            raise RuntimeError("a live-worker test needs PostgreSQL")
        self.name = f"test-{os.getpid()}@{socket.gethostname()}"
        self.log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> LiveWorker:
        env = dict(os.environ, DATABASE_URL=test_database_url())
        command = [sys.executable, "-m", "celery", "-A", "econsim_project", "worker",
                   "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle",
                   "-n", self.name, "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
                   "--loglevel=INFO"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.log()}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return self
        self.kill()
        raise RuntimeError(f"the worker did not answer a ping within {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, unacknowledged tasks go back to the broker."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class LiveBeat:
    """A `celery beat` process (the database scheduler, as in compose) on the test database:
    it sends the project's periodic tasks (CELERY_BEAT_SCHEDULE) to this run's queue."""

    def __init__(self) -> None:
        if settings.BROKER_IN_FILES or connection.vendor != "postgresql":
            raise RuntimeError("a live-beat test needs a broker server and PostgreSQL")
        self.log_path = Path(tempfile.mkstemp(prefix="celery-beat-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> LiveBeat:
        from django_celery_beat.models import PeriodicTask
        env = dict(os.environ, DATABASE_URL=test_database_url())
        command = [sys.executable, "-m", "celery", "-A", "econsim_project", "beat",
                   "--loglevel=INFO"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # started once it has written its entries
            if self.process.poll() is not None:
                raise RuntimeError(f"beat exited:\n{self.log()}")
            if PeriodicTask.objects.filter(name__in=list(settings.CELERY_BEAT_SCHEDULE)).count() \
                    == len(settings.CELERY_BEAT_SCHEDULE):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"beat did not start within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright (Playwright cannot download browsers here).

    Playwright's sync API keeps an event loop running in the calling thread for as long as the
    browser lives; the ORM calls tests make meanwhile (fixtures, flushes) are still
    synchronous, so Django's async-safety check is lifted for that time."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
