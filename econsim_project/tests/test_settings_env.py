"""Settings come from the environment; a malformed value stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from econsim_project.env import database_from_url, env_bool, env_url

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
