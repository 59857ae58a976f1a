"""Settings come from the environment; a malformed value stops start-up naming the variable."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from econsim_project.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_url,
)

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "kT3n9vX2qL7wP0zR5yB8mC1dF4gH6jK9sA2eU5iO8pQ3rT6vW9xZ2cV5bN8mL1k",
    "ALLOWED_HOSTS": "econsim.example.com",
}


CONFIG_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
}


def _clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(overrides)
    return env


def _start(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("check",))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("DEBUG", "maybe", "expected a boolean"),
        ("DATABASE_URL", "mysql://db/econsim", "expected a URL starting with one of"),
        ("DATABASE_URL", "postgres://db:notaport/econsim", "expected a numeric port"),
        ("REDIS_URL", "http://cache", "expected a URL starting with one of"),
        ("CELERY_BROKER_URL", "kafka://broker", "expected a URL starting with one of"),
        ("THROTTLE_ANON_RATE", "lots", "expected a rate like 120/min"),
        ("CELERY_TASK_TIME_LIMIT", "ten", "expected an integer"),
        ("TRUSTED_PROXY_COUNT", "-1", "expected an integer >= 0"),
        ("THROTTLE_AUTH_TOKEN_RATE", "often", "expected a rate like 120/min"),
        ("AUTH_TOKEN_FAILURES_PER_ACCOUNT", "0", "expected an integer >= 1"),
        # Smaller than the largest legitimate upload (a 2 MiB avatar plus 64 KiB): refused.
        ("API_MAX_BODY_BYTES", "1000", "expected an integer >= 2162688"),
        ("API_JSON_MAX_DEPTH", "1", "expected an integer >= 4"),
        ("ACCOUNT_EMAIL_VERIFICATION", "always", "expected none, optional or mandatory"),
        ("LOG_LEVEL", "LOUD", "expected DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        # One past the sandbox's own caps.
        ("SCRIPT_SOURCE_MAX_BYTES", "262145", "expected an integer <= 262144"),
        ("SCRIPT_CPU_MAX_MS_PER_TICK", "10001", "expected an integer <= 10000"),
        ("LLM_MODELS", " , ", "expected at least one comma-separated value"),
    ],
)
def test_malformed_variable_stops_start_up_naming_it(name, value, rule):
    result = _start(_clean_env(**{"DEBUG": "true", name: value}))
    assert result.returncode != 0
    assert f"Environment variable {name}: {rule}" in result.stderr


def test_secret_key_is_required_without_debug():
    result = _start(_clean_env(DEBUG="false"))
    assert result.returncode != 0
    assert "Environment variable SECRET_KEY: required unless DEBUG=true" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = _start(_clean_env(**PROD_ENV), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_warns_with_development_settings():
    result = _start(_clean_env(DEBUG="true"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


def test_database_url_parsing():
    pg = database_from_url("DATABASE_URL", "postgres://u:p%40ss@db.local:6543/econ?sslmode=require")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "econ",
        "u",
        "p@ss",
        "db.local",
        "6543",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    assert database_from_url("DATABASE_URL", "sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    assert database_from_url("DATABASE_URL", "sqlite:///x.db")["NAME"] == "x.db"
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL: expected a database name"):
        database_from_url("DATABASE_URL", "postgres://db.local/")


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("URL", "")
    assert env_url("URL", ("redis",)) is None


def test_a_bound_set_by_another_variable_stops_start_up_naming_both_rules():
    result = _start(_clean_env(DEBUG="true", LLM_MAX_TOKENS_CAP="100",
                               LLM_DEFAULT_MAX_TOKENS="101"))
    assert result.returncode != 0
    assert "Environment variable LLM_DEFAULT_MAX_TOKENS: expected an integer <= 100" \
        in result.stderr
    # An unset variable's default is held to the bound too (default page size 100 > 50).
    result = _start(_clean_env(DEBUG="true", HISTORY_PAGE_SIZE_MAX="50"))
    assert result.returncode != 0
    assert "Environment variable HISTORY_PAGE_SIZE: expected an integer <= 50 (got 100)" \
        in result.stderr


def test_values_on_the_bounds_and_choices_in_any_case_start():
    script = ("import django; django.setup(); from django.conf import settings as s; "
              "print(s.LOGGING['root']['level'], s.ACCOUNT_EMAIL_VERIFICATION, "
              "s.SCRIPT_SOURCE_MAX_BYTES, s.SCRIPT_CPU_MAX_MS_PER_TICK, s.LLM_DEFAULT_MAX_TOKENS)")
    env = _clean_env(DEBUG="true", DJANGO_SETTINGS_MODULE="econsim_project.settings",
                     LOG_LEVEL=" warning ", ACCOUNT_EMAIL_VERIFICATION="Mandatory",
                     SCRIPT_SOURCE_MAX_BYTES="262144", SCRIPT_CPU_MAX_MS_PER_TICK="10000",
                     LLM_MAX_TOKENS_CAP="300", LLM_DEFAULT_MAX_TOKENS="300")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["WARNING", "mandatory", "262144", "10000", "300"]


def test_int_bounds_choices_and_lists(monkeypatch):
    monkeypatch.setenv("N", "10")
    assert env_int("N", 1, minimum=10, maximum=10) == 10
    with pytest.raises(ImproperlyConfigured, match=r"^Environment variable N: expected an "
                                                   r"integer <= 9 \(got '10'\)\.$"):
        env_int("N", 1, maximum=9)
    with pytest.raises(ImproperlyConfigured, match="N: expected an integer >= 11"):
        env_int("N", 1, minimum=11)
    monkeypatch.delenv("N")
    with pytest.raises(ImproperlyConfigured, match=r"N: expected an integer <= 5 \(got 6\)"):
        env_int("N", 6, maximum=5)

    monkeypatch.setenv("PICK", "B")
    assert env_choice("PICK", "a", ("a", "b")) == "b"
    monkeypatch.setenv("PICK", "")
    assert env_choice("PICK", "a", ("a", "b")) == "a"
    monkeypatch.setenv("PICK", "c")
    with pytest.raises(ImproperlyConfigured, match=r"PICK: expected a or b \(got 'c'\)"):
        env_choice("PICK", "a", ("a", "b"))
    with pytest.raises(ImproperlyConfigured, match=r"PICK: expected one of LIST \(a, b\)"):
        env_choice("PICK", "a", ["a", "b"], among="LIST")

    monkeypatch.setenv("ITEMS", " x, ,y ")
    assert env_list("ITEMS", [], nonempty=True) == ["x", "y"]
    monkeypatch.setenv("ITEMS", ",")
    assert env_list("ITEMS", ["d"]) == []
    with pytest.raises(ImproperlyConfigured, match="ITEMS: expected at least one"):
        env_list("ITEMS", ["d"], nonempty=True)


def _variables_settings_reads() -> set[str]:
    """Names passed to the env.py readers in settings.py (env_error reads nothing)."""
    tree = ast.parse((ROOT / "econsim_project" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id.startswith("env_") and node.func.id != "env_error"
        and node.args and isinstance(node.args[0], ast.Constant)
    }


def _variables_readme_lists() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for line in section.splitlines() if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1])
    }


def test_the_readme_configuration_table_lists_exactly_the_variables_settings_read():
    read, listed = _variables_settings_reads(), _variables_readme_lists()
    assert {"DEBUG", "LOG_LEVEL", "SCRIPT_CPU_MAX_MS_PER_TICK"} <= read  # the parser sees them
    assert sorted(read - listed) == [], "undocumented in README.md's configuration table"
    assert sorted(listed - read) == [], "documented but never read by settings.py"


def test_settings_read_the_environment_only_through_env_helpers():
    source = (ROOT / "econsim_project" / "settings.py").read_text()
    assert "os.environ" not in source and "getenv" not in source
