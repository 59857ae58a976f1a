"""compose.yaml describes the whole platform and survives its first day: migrations run once
before anything else, seeding is safe, every long-running service restarts and has a real
healthcheck, web can be scaled. CI has no container runtime: the file is validated against the
Compose Specification's JSON schema (ops/tests/data/) instead of being run."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from ops.healthcheck import WORKER_NODE
from ops.tests.deployment import ROOT, compose, interpolate, service_command

SCHEMA = ROOT / "ops" / "tests" / "data" / "compose-spec.json"
APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = (*APP_SERVICES, "db", "redis")
SHELL = {"SECRET_KEY": "k" * 50}  # the one variable compose.yaml requires


def _validate(config: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(config)


def test_compose_yaml_follows_the_compose_specification():
    _validate(compose(SHELL))


def test_the_schema_check_can_fail():
    config = compose(SHELL)
    config["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_migrated"
    with pytest.raises(jsonschema.ValidationError):
        _validate(config)
    config = compose(SHELL)
    config["services"]["beat"]["restart_policy"] = "always"  # not a service property
    with pytest.raises(jsonschema.ValidationError):
        _validate(config)


def test_compose_refuses_to_start_without_a_secret_key():
    with pytest.raises(ValueError, match="SECRET_KEY"):
        compose({})


def test_substitution_follows_compose():
    shell = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d} $$HOSTNAME", shell) \
        == "x d d  $HOSTNAME"


def test_migrations_and_the_seed_run_once_before_every_app_service():
    services = compose(SHELL)["services"]
    assert " ".join(service_command({"services": services}, "migrate")).endswith(
        "python manage.py migrate --no-input && python manage.py seed")
    assert services["migrate"]["restart"] == "no"  # one-shot
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        command = " ".join(service_command({"services": services}, name))
        assert "migrate" not in command and "seed" not in command, name


def test_every_long_running_service_restarts_and_has_a_healthcheck():
    services = compose(SHELL)["services"]
    assert set(services) == {"migrate", *LONG_RUNNING}
    for name in LONG_RUNNING:
        assert services[name]["restart"] in ("unless-stopped", "always", "on-failure"), name
        assert services[name]["healthcheck"]["test"], name
    for name in APP_SERVICES:
        assert services[name]["healthcheck"]["test"] == [
            "CMD", "python", "-m", "ops.healthcheck", name], name


def test_the_worker_healthcheck_pings_the_node_the_worker_runs_as():
    services = compose(SHELL)["services"]
    command = service_command({"services": services}, "worker")
    assert f"--hostname={WORKER_NODE}" in command
    assert "beat" in service_command({"services": services}, "beat")


def test_web_can_be_scaled_without_a_host_port_conflict():
    web = compose(SHELL)["services"]["web"]
    for mapping in web.get("ports", []):
        host = str(mapping).rsplit(":", 1)[0] if ":" in str(mapping) else ""
        assert host == "" or re.fullmatch(r"(\d+\.\d+\.\d+\.\d+:)?\d+-\d+", host), \
            f"a fixed host port ({mapping}) lets only one replica start"
    assert compose({**SHELL, "WEB_PORTS": "9000-9002"})["services"]["web"]["ports"] == \
        ["9000-9002:8000"]


def test_app_services_share_the_configuration_the_settings_need():
    services = compose(SHELL)["services"]
    for name in ("migrate", *APP_SERVICES):
        env = services[name]["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY",
                         "DEMO_PASSWORD", "OPERATOR_PASSWORD", "ALLOWED_HOSTS"):
            assert variable in env, (name, variable)
        assert env["DEBUG"] == "false"
    demo = compose({**SHELL, "DEMO_PASSWORD": "chosen"})["services"]["migrate"]["environment"]
    assert demo["DEMO_PASSWORD"] == "chosen"


def test_data_lives_in_named_volumes():
    config = compose(SHELL)
    assert {"pgdata", "media"} <= set(config["volumes"])
    assert any(v.startswith("pgdata:") for v in config["services"]["db"]["volumes"])
    assert (ROOT / config["services"]["web"]["build"]["dockerfile"]).exists()
