"""With no server configured the platform migrates and serves on SQLite and a local cache."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_embedded_defaults_migrate_and_serve_the_site(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env.update(DEBUG="true", DATA_DIR=str(tmp_path))
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    seeded = subprocess.run(
        [*manage, "seed"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert "created operator operator" in seeded.stdout
    assert (tmp_path / "db.sqlite3").exists()

    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, _ = _get(base + "/api/health/")
                break
            except OSError:
                time.sleep(0.2)
        status, body = _get(base + "/api/health/")
        health = json.loads(body)
        assert status == 200
        assert health["checks"]["database"]["vendor"] == "sqlite"
        assert health["checks"]["cache"]["backend"].endswith("LocMemCache")
        assert health["checks"]["tasks"]["mode"] == "in-process"
        assert _get(base + "/")[0] == 200
        assert _get(base + "/accounts/login/")[0] == 200
        assert _get(base + "/admin/login/")[0] == 200
        assert _get(base + "/static/css/app.css")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
