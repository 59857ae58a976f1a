"""The app containers' healthchecks (python -m ops.healthcheck, compose.yaml) against a real
worker and a real beat: healthy while they work, unhealthy once they stop. The web check runs
in the image replay (test_image.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from econsim_project import testing

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _healthcheck(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops.healthcheck", *args], cwd=testing.ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


def test_the_worker_check_pings_its_own_node(celery_live_worker):
    assert _healthcheck("worker", "--node", celery_live_worker.name).returncode == 0
    other = _healthcheck("worker", "--node", "worker@no-such-host", "--timeout", "2")
    assert other.returncode == 1
    assert "worker@no-such-host did not answer a ping" in other.stderr
    celery_live_worker.stop()
    assert _healthcheck("worker", "--node", celery_live_worker.name, "--timeout", "2") \
        .returncode == 1


def test_the_beat_check_is_healthy_while_beat_ticks(transactional_db, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))  # the beat process and the check share it
    missing = _healthcheck("beat")
    assert missing.returncode == 1 and "beat has not ticked yet" in missing.stderr
    beat = testing.LiveBeat().start()
    try:
        testing.wait_until(lambda: (tmp_path / "beat.alive").exists(), timeout=30,
                           what="beat's first tick")
        first = (tmp_path / "beat.alive").stat().st_mtime
        assert _healthcheck("beat").returncode == 0
        # It keeps ticking (the database scheduler wakes at least every 5 s).
        testing.wait_until(lambda: (tmp_path / "beat.alive").stat().st_mtime > first,
                           timeout=15, what="a later tick")
    finally:
        beat.stop()
    time.sleep(2.5)
    silent = _healthcheck("beat", "--max-silence", "2")
    assert silent.returncode == 1 and "beat's last tick was" in silent.stderr
