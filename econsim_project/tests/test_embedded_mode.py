"""`make run` with no server configured: the platform migrates, seeds and serves on SQLite, a
file cache and a broker in files, with a real worker and beat beside the web server. Runs are
queued and report their progress, the seeded schedule fires with nobody clicking, and Ctrl-C
stops every process."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

from econsim_project.testing import wait_until

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "embedded-operator-password-123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url: str, *, data: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(data).encode() if data is not None else None,
        headers={"Content-Type": "application/json", "Accept": "application/json",
                 **({"Authorization": f"Token {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _answers(url: str) -> bool:
    try:
        return _call(url)[0] == 200
    except OSError:
        return False


def _tasks_healthy(base: str) -> bool:
    time.sleep(1)  # within the anonymous API rate
    status, health = _call(base + "/api/health/")
    return status == 200 and health["checks"]["tasks"]["ok"]


def _scheduled_runs(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute("SELECT outcome, ticks_done FROM simulations_dayrun "
                            "WHERE requested_via = 'schedule'").fetchall()


def test_make_run_without_servers_runs_a_worker_and_beat_and_stops_on_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG",
                        "CELERY_TASK_DEFAULT_QUEUE", "CACHE_KEY_PREFIX"}}
    port = _free_port()
    env.update(DATA_DIR=str(tmp_path), PORT=str(port), OPERATOR_PASSWORD=PASSWORD,
               SEED_SCHEDULE_EVERY_MINUTES="1")
    log = (tmp_path / "platform.log").open("wb")
    started = time.monotonic()
    platform = subprocess.Popen(["scripts/run-platform"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(base + "/api/health/"), timeout=180, what="the web server")
        status, health = _call(base + "/api/health/")
        assert health["checks"]["database"]["vendor"] == "sqlite"
        assert health["checks"]["cache"]["backend"].endswith("FileBasedCache")
        assert health["checks"]["tasks"]["broker"] == "files"

        status, token = _call(base + "/api/auth/token/",
                              data={"username": "operator", "password": PASSWORD})
        assert status == 200, token
        status, sims = _call(base + "/api/simulations/", token=token["token"])
        simulation = sims[0]
        # A run is queued, not run inside the request, and the worker reports it to the end.
        status, run = _call(f"{base}/api/simulations/{simulation['id']}/run_day/", data={},
                            token=token["token"])
        assert status == 202 and run["outcome"] == "queued", run

        def task() -> dict:
            return _call(f"{base}/api/tasks/{run['task_id']}/", token=token["token"])[1]

        wait_until(lambda: task()["state"] == "SUCCESS", timeout=120, what="the run's task")
        assert (task()["current"], task()["total"]) == (4, 4)
        assert task()["day_run"]["outcome"] == "succeeded"

        # Nobody clicks: beat fires the seeded schedule (a day every minute here).
        wait_until(lambda: ("succeeded", 4) in _scheduled_runs(tmp_path / "db.sqlite3"),
                   timeout=180, what="the seeded schedule's first day")
        print(f"first scheduled day done {time.monotonic() - started:.0f} s after start")
        wait_until(lambda: _tasks_healthy(base), timeout=120, what="the worker's heartbeat")
    finally:
        os.killpg(platform.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        platform.wait(timeout=60)
        log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(platform.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("a process of `make run` outlived Ctrl-C:\n"
                             + (tmp_path / "platform.log").read_text(errors="replace")[-3000:])
