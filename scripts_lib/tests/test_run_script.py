"""`manage.py run_script`: the same checks, sandbox and validation as the server."""

import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from scripts_lib.examples import _HERE as EXAMPLES


def run(path: Path, *args: str) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("run_script", str(path), *args, stdout=out, stderr=StringIO())
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


def script(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "strategy.py"
    path.write_text(source)
    return path


def test_a_good_script_prints_its_decision_and_exits_0():
    out, err = StringIO(), StringIO()
    call_command("run_script", str(EXAMPLES / "household_buffer_stock.py"), "--agent-type",
                 "household", stdout=out, stderr=err)  # no SystemExit: exit status 0
    decision = json.loads(out.getvalue())
    assert 0 <= decision["consume_share"] <= 1 and "memory" not in decision
    assert "spend share" in err.getvalue()  # the script's print output


def test_a_failing_script_exits_1_with_kind_message_and_line(tmp_path):
    # A real process: the exit status and stdout as a script author's shell sees them.
    path = script(tmp_path, "def decide(obs):\n    value = obs['nope']\n    return {}\n")
    proc = subprocess.run(
        [sys.executable, "manage.py", "run_script", str(path), "--agent-type", "firm",
         "--json"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
        env=os.environ)
    assert proc.returncode == 1
    body = json.loads(proc.stdout)
    assert (body["kind"], body["message"], body["line"]) == ("exception", "KeyError: 'nope'", 2)


def test_json_output_has_decision_memory_log_and_cpu():
    code, body = run(EXAMPLES / "firm_inventory_pricing.py", "--agent-type", "firm", "--json")
    assert code == 0
    assert body["decision"]["price_cents"] >= 1 and "demand" in body["memory"]
    assert body["log"].startswith("demand ") and body["cpu_ms"] > 0
    assert body["validation"]["ok"] is True


@pytest.mark.parametrize(("source", "kind", "line"), [
    ("import os\ndef decide(obs):\n    return {}\n", "check", 1),
    ("def decide(obs):\n    return {\n", "check", 2),
    ("def decide(obs):\n    return {'price_cents': 0}\n", "rejected_decision", None),
    ("def decide(obs):\n    return {'price_cents': float('inf')}\n", "bad_output", None),
    ("def decide(obs):\n    return {'x': 'y' * 10**10}\n", "memory", None),
])
def test_every_failure_is_one_json_object_and_exit_1(tmp_path, source, kind, line):
    code, body = run(script(tmp_path, source), "--agent-type", "firm")
    assert code == 1 and body["kind"] == kind and body["line"] == line and body["message"]


def test_an_endless_loop_ends_at_the_cpu_budget(tmp_path):
    started = time.monotonic()
    code, body = run(script(tmp_path, "def decide(obs):\n    while True:\n        pass\n"),
                     "--agent-type", "bank", "--cpu-ms", "100")
    assert code == 1 and body["kind"] == "timeout"
    assert time.monotonic() - started < 5


def test_a_given_observation_and_its_memory(tmp_path):
    obs = tmp_path / "obs.json"
    obs.write_text(json.dumps({"tick": 9, "own": {"id": 4}, "memory": {"n": 41}}))
    source = "def decide(obs):\n    n = obs['memory']['n'] + 1\n" \
             "    return {'participate': obs['tick'] == 9, 'memory': {'n': n}}\n"
    code, body = run(script(tmp_path, source), "--agent-type", "household", "--obs", str(obs),
                     "--json")
    assert code == 0 and body["decision"] == {"participate": True}
    assert body["memory"] == {"n": 42}
    obs.write_text("[1, 2]")
    assert run(script(tmp_path, source), "--agent-type", "household", "--obs",
               str(obs)) == (1, {"kind": "usage", "line": None,
                                 "message": "the observation file must hold a JSON object"})
    code, body = run(tmp_path / "missing.py", "--agent-type", "household")
    assert code == 1 and body["kind"] == "usage"
