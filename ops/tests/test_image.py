"""The image's build and start, replayed without a container runtime (CI has none): the
Dockerfile's build line and compose's migrate, web, worker and beat commands run as written,
with the image's and compose's environment (production settings, DEBUG=false), on a scratch
PostgreSQL database and a scratch data directory. Issue 14: the image served 500 on every
HTML page because its static manifest was built with DEBUG=true."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection

from econsim_project.testing import wait_until
from ops.tests.deployment import (
    ROOT,
    build_run,
    compose,
    dockerfile,
    service_command,
    service_environment,
)

pytestmark = [pytest.mark.services, pytest.mark.slow]

DEMO_PASSWORD = "demo-image-pass-123"
SHELL = {"SECRET_KEY": "image-replay-secret-key-0123456789-abcdefghijklmnopqrstuv",
         "DEMO_PASSWORD": DEMO_PASSWORD}
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
STATIC = re.compile(r"""(?:src|href)=["'](/static/[^"'?#]+)""")
VISITOR_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/docs/", "/api/docs/",
                 "/api/redoc/"]
USER_PAGES = ["/", "/dashboard/", "/scripts/", "/notifications/", "/accounts/profile/"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def scratch_database() -> Iterator[str]:
    db = connection.settings_dict
    name = f"{db['NAME']}_image"
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432,
              "user": db["USER"], "password": db["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Replay:
    """The platform's processes, started from the deployment files' own commands."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.config = compose(SHELL)
        self.port = _free_port()
        self.data_dir = data_dir
        self.processes: list[subprocess.Popen] = []
        # What a container has besides what the image and compose give it.
        self.base = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                     "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
        self.scratch = {
            "DATA_DIR": str(data_dir),  # /data in the image
            "DATABASE_URL": database_url,
            # This test run's servers, keys and queue instead of compose's redis and db hosts.
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CACHE_KEY_PREFIX": f"{settings.CACHES['default'].get('KEY_PREFIX', 'econsim')}-image",
            "CELERY_TASK_DEFAULT_QUEUE": f"{settings.CELERY_TASK_DEFAULT_QUEUE}-image",
            "PORT": str(self.port),
        }

    def env(self, service: str) -> dict[str, str]:
        return {**self.base, **service_environment(self.config, service), **self.scratch}

    def build(self) -> subprocess.CompletedProcess:
        """The Dockerfile's build line, in the image's build environment (its ENV only)."""
        env = {**self.base, **dockerfile().env, "DATA_DIR": str(self.data_dir)}
        return subprocess.run(["sh", "-c", build_run("collectstatic")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    def run(self, service: str) -> subprocess.CompletedProcess:
        return subprocess.run(service_command(self.config, service), cwd=ROOT,
                              env=self.env(service), capture_output=True, text=True,
                              timeout=300)

    def start(self, service: str) -> subprocess.Popen:
        log = (self.data_dir / f"{service}.log").open("ab")
        process = subprocess.Popen(service_command(self.config, service), cwd=ROOT,
                                   env=self.env(service), stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def healthcheck(self, service: str) -> subprocess.CompletedProcess:
        """The service's compose healthcheck command, run as Docker runs it (CMD form)."""
        test = self.config["services"][service]["healthcheck"]["test"]
        assert test[0] == "CMD", test
        return subprocess.run(test[1:], cwd=ROOT, env=self.env(service),
                              capture_output=True, text=True, timeout=60)

    def log(self, service: str) -> str:
        path = self.data_dir / f"{service}.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def replay(scratch_database) -> Iterator[Replay]:
    with tempfile.TemporaryDirectory(prefix="econsim-image-") as data_dir:
        replay = Replay(scratch_database, Path(data_dir))
        yield replay
        replay.stop()


def _html(session: requests.Session, url: str) -> str:
    response = session.get(url, timeout=30)
    assert response.status_code == 200, (url, response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("text/html"), url
    return response.text


def _assert_hashed_static(session: requests.Session, base: str, page: str, html: str) -> None:
    urls = set(STATIC.findall(html))
    assert urls, f"{page} links no static file"
    for url in urls:
        assert HASHED.search(url), f"{page} links {url}, not a hashed name"
        response = session.get(base + url, timeout=30)
        assert response.status_code == 200, (page, url)
        assert "immutable" in response.headers.get("Cache-Control", ""), url


def test_the_image_builds_starts_and_serves_every_page_with_debug_off(replay):
    built = replay.build()
    assert built.returncode == 0, built.stderr
    manifest = replay.data_dir / "staticfiles" / "staticfiles.json"
    assert manifest.exists(), "collectstatic wrote no manifest: every page would be a 500"
    assert (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()

    migrated = replay.run("migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "created user demo" in migrated.stdout
    assert "password of demo" not in migrated.stdout  # DEMO_PASSWORD reached the container

    web = replay.start("web")
    deadline = time.monotonic() + 90
    while (check := replay.healthcheck("web")).returncode != 0:  # compose's own check
        assert web.poll() is None, replay.log("web")
        assert time.monotonic() < deadline, check.stderr + replay.log("web")
        time.sleep(1)

    base = f"http://127.0.0.1:{replay.port}"
    session = requests.Session()
    for page in VISITOR_PAGES:
        _assert_hashed_static(session, base, page, _html(session, base + page))
    assert "首页" in session.get(base + "/", headers={"Accept-Language": "zh-hans"},
                                 timeout=30).text  # translations compiled into the image

    login = session.get(base + "/accounts/login/", timeout=30)
    answer = session.post(base + "/accounts/login/", timeout=30, allow_redirects=False, data={
        "login": "demo", "password": DEMO_PASSWORD,
        "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": login.url})
    assert answer.status_code == 302, answer.text[:500]
    for page in USER_PAGES:
        html = _html(session, base + page)
        assert 'data-testid="user-chip"' in html, page
        _assert_hashed_static(session, base, page, html)

    favicon = session.get(base + "/favicon.ico", timeout=30)
    assert favicon.status_code == 200 and favicon.content[:4] == b"\x00\x00\x01\x00"  # ICO
    missing = session.get(base + "/no-such-page/", timeout=30)
    assert missing.status_code == 404 and 'data-testid="error-404"' in missing.text
    _assert_hashed_static(session, base, "the 404 page", missing.text)
    api_missing = session.get(base + "/api/no-such-endpoint/", timeout=30)
    assert api_missing.status_code == 404 and api_missing.json()["code"] == "not_found"

    # worker and beat start from their compose commands and turn healthy; beat's heartbeat
    # task, run by the worker, makes the platform report its tasks "ok".
    worker, beat = replay.start("worker"), replay.start("beat")
    wait_until(lambda: worker.poll() is not None or replay.healthcheck("worker").returncode == 0,
               timeout=90, what="the worker's healthcheck")
    assert worker.poll() is None, replay.log("worker")
    wait_until(lambda: beat.poll() is not None or replay.healthcheck("beat").returncode == 0,
               timeout=60, what="beat's healthcheck")
    assert beat.poll() is None, replay.log("beat")

    def tasks_ok() -> bool:
        return session.get(base + "/api/health/", timeout=30).json()["status"] == "ok"

    wait_until(tasks_ok, timeout=90, what="the worker's heartbeat in /api/health/")
