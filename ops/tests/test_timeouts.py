"""Timeouts agree end to end: gunicorn outlasts the LLM gateway's worst case (so a slow upstream
ends in the app's 504, not in a worker killed mid-request), and Celery's soft limit comes
before its hard one. The gunicorn timeout is read the way gunicorn reads it, from the command
the web container runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from econsim_project.timeouts import llm_worst_case_seconds
from llm.providers.openai_http import MAX_BACKOFF_SECONDS
from ops.tests.deployment import ROOT, compose, service_command, service_environment

SHELL = {"SECRET_KEY": "k" * 50}
# Loads gunicorn's configuration from a command line exactly as `gunicorn` does, without serving.
_READ_GUNICORN = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication
sys.argv = json.loads(sys.argv[1])
cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
print(json.dumps({"timeout": cfg.timeout, "workers": cfg.workers, "bind": cfg.bind}))
"""


def _web_gunicorn(shell: dict[str, str]) -> dict:
    """The gunicorn settings of compose's web container, given the shell's variables."""
    config = compose({**SHELL, **shell})
    command = service_command(config, "web")
    assert command[0] == "gunicorn", command
    env = {**os.environ, **service_environment(config, "web"), "DATA_DIR": str(ROOT / "var")}
    done = subprocess.run([sys.executable, "-c", _READ_GUNICORN, json.dumps(command)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_llm_worst_case_counts_every_attempt_and_every_wait():
    # Three attempts of 30 s, and two waits of at most MAX_BACKOFF_SECONDS (Retry-After).
    assert llm_worst_case_seconds(timeout_ms=30_000, max_retries=2) == 90 + 2 * MAX_BACKOFF_SECONDS
    assert llm_worst_case_seconds(timeout_ms=1_500, max_retries=0) == 2


def test_gunicorn_in_the_web_container_outlasts_the_llm_gateway():
    gunicorn = _web_gunicorn({})
    worst = llm_worst_case_seconds(timeout_ms=settings.LLM_TIMEOUT_MS,
                                   max_retries=settings.LLM_MAX_RETRIES)
    assert worst == 110  # the defaults: 3 attempts of 30 s, 2 waits of 10 s
    assert gunicorn["timeout"] > worst
    assert gunicorn["timeout"] == settings.WEB_TIMEOUT_SECONDS
    assert gunicorn["bind"] == ["0.0.0.0:8000"]


def test_gunicorn_follows_the_llm_limits_the_operator_sets():
    gunicorn = _web_gunicorn({"LLM_TIMEOUT_MS": "60000", "LLM_MAX_RETRIES": "3"})
    assert gunicorn["timeout"] > 4 * 60 + 3 * MAX_BACKOFF_SECONDS


def _check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(("env", "message"), [
    ({"WEB_TIMEOUT_SECONDS": "30"},
     "WEB_TIMEOUT_SECONDS: must exceed the LLM gateway's worst case, 110 s"),
    ({"WEB_TIMEOUT_SECONDS": "100", "LLM_TIMEOUT_MS": "5000"}, None),
    ({"CELERY_TASK_TIME_LIMIT": "600", "CELERY_TASK_SOFT_TIME_LIMIT": "600"},
     "CELERY_TASK_SOFT_TIME_LIMIT: expected an integer <= 599"),
    ({"CELERY_TASK_TIME_LIMIT": "600"}, None),  # the soft limit's default follows: 599
])
def test_start_up_refuses_timeouts_that_disagree(env, message):
    done = _check(**env)
    if message is None:
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode != 0 and message in done.stderr, done.stderr


def test_celery_limits_agree_with_how_runs_resume():
    # A run cut by its soft limit goes on in a new delivery (simulations/tasks.py); the hard
    # limit, which kills the process, must leave it the time to hand over.
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    # A run waiting for a busy simulation keeps retrying for longer than one delivery of the
    # run that holds it may last.
    assert settings.SIMULATION_BUSY_RETRY_SECONDS * settings.SIMULATION_BUSY_MAX_RETRIES \
        >= settings.CELERY_TASK_TIME_LIMIT
