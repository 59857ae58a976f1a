"""`manage.py backtest` on a fresh world with no server: the embedded settings (no
DATABASE_URL, REDIS_URL, CELERY_BROKER_URL), the same runner as the server's backtests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLD = ROOT / "scripts_lib" / "examples" / "household_buffer_stock.py"

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATA_DIR=str(tmp_path / "var"), DEBUG="true")
    return subprocess.run([sys.executable, "manage.py", "backtest", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_command_compares_a_script_with_the_baseline_and_prints_the_series(tmp_path):
    done = _run(tmp_path, str(HOUSEHOLD), "--agent-type", "household", "--ticks", "6",
                "--households", "300", "--seed", "4", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    script, baseline = out["arms"]
    assert (script["kind"], baseline["kind"]) == ("script", "baseline")
    assert [row["tick"] for row in script["series"]] == [1, 2, 3, 4, 5, 6]
    assert script["summary"]["sandbox_calls"] == 6 and baseline["summary"]["sandbox_calls"] == 0
    assert script["series"][-1]["state_hash"] != baseline["series"][-1]["state_hash"]
    assert script["summary"]["outcomes"] == {"accepted": 6}
    assert not (tmp_path / "var" / "db.sqlite3").exists()  # no table was touched

    table = _run(tmp_path, str(HOUSEHOLD), "--agent-type", "household", "--ticks", "3",
                 "--households", "300", "--seed", "4", "--compare", str(HOUSEHOLD))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.strip().splitlines()
    assert lines[0].startswith("arm") and "net worth end" in lines[0] and len(lines) == 3
    # The same script twice on the same numbers: the same figures (CPU ms aside).
    assert lines[1].split()[1:8] == lines[2].split()[1:8]


def test_a_script_that_fails_the_checks_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def decide(obs):\n    return {\n")
    done = _run(tmp_path, str(bad), "--agent-type", "household", "--ticks", "2")
    assert done.returncode == 1
    assert json.loads(done.stdout)["kind"] == "check"
