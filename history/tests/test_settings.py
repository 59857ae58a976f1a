from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("variables", "named"), [
    ({"HISTORY_PAGE_SIZE_MAX": "lots"}, "HISTORY_PAGE_SIZE_MAX"),
    ({"HISTORY_RETENTION_DAYS": "-1"}, "HISTORY_RETENTION_DAYS"),
    ({"HISTORY_PAGE_SIZE": "500", "HISTORY_PAGE_SIZE_MAX": "100"}, "HISTORY_PAGE_SIZE"),
])
def test_malformed_history_settings_stop_start_up_naming_the_variable(variables, named):
    env = {**os.environ, "DEBUG": "true", **variables}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env={**env, "DJANGO_SETTINGS_MODULE": "econsim_project.settings"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"Environment variable {named}:" in done.stderr
