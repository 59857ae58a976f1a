"""A malformed LLM or CPU quota variable stops start-up with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(**variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "SCRIPT_CPU_"))}
    env.update(DEBUG="true", **variables)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "econsim_project.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"LLM_PROVIDER": "gpt"}, "LLM_PROVIDER: expected mock or openai"),
        ({"LLM_PROVIDER": "openai"}, "LLM_BASE_URL: required when LLM_PROVIDER=openai"),
        ({"LLM_BASE_URL": "ftp://llm.example.com"}, "LLM_BASE_URL: expected a URL starting"),
        ({"LLM_TOKENS_PER_DAY": "lots"}, "LLM_TOKENS_PER_DAY: expected an integer"),
        ({"LLM_MAX_TOKENS_CAP": "0"}, "LLM_MAX_TOKENS_CAP: expected an integer >= 1"),
        ({"LLM_MODELS": "a,b", "LLM_DEFAULT_MODEL": "c"}, "LLM_DEFAULT_MODEL: expected one of"),
        ({"SCRIPT_CPU_MAX_MS_PER_TICK": "20000"}, "SCRIPT_CPU_MAX_MS_PER_TICK: expected an"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_it(variables, message):
    result = _check(**variables)
    assert result.returncode != 0
    assert f"Environment variable {message}" in result.stderr


def test_a_complete_openai_configuration_starts():
    result = _check(
        LLM_PROVIDER="openai",
        LLM_BASE_URL="https://llm.example.com/v1",
        LLM_API_KEY="sk-x",
        LLM_MODELS="gpt-4o-mini, gpt-4o",
    )
    assert result.returncode == 0, result.stderr
