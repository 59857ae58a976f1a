"""Schema-driven fuzzing of the whole API (schemathesis): no request a user can make is a 5xx,
and every 4xx is a body in the project's error shape.

Every operation of /api/schema/ gets a fixed budget of generated requests, the same on every
run (derandomized): schemathesis' examples and coverage phases (boundary values such as
`maximum + 1`, wrong types, missing fields, unexpected methods) and 12 fuzzed requests. They
are sent in process through Django's WSGI handler by a normal user with a token; about a
minute on a 2-core machine. That every integer input has bigint bounds in the schema (so the
coverage phase tries past them) is checked in test_hostile_inputs.py.

The user takes part in a small seeded simulation (a claimed household, two archived ticks, a
script with a version and a mount); about half of the generated path ids are replaced by those
real ids so that the requests reach past the 404.

Nothing is left out. Dry runs run the saved version in the real sandbox (a fork per call, a
few milliseconds). Operator endpoints (run_day, shocks, schedules, pause, ...) are included: a
normal user gets their 403, which is what the fuzz checks. The LLM completion runs the mock
provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

pytestmark = [pytest.mark.services, pytest.mark.slow]

ERROR_KEYS = {"status", "code", "message", "errors"}
ERROR_ITEM_KEYS = {"field", "rule", "message"}

HOUSEHOLD = "def decide(obs):\n    return {\"consume_share\": 0.5}\n"


@pytest.fixture
def seeded(db: None) -> dict[str, Any]:
    """The world of the fuzz: a user, their token, and the ids of what they own."""
    from rest_framework.authtoken.models import Token

    from accounts.tests.factories import UserFactory
    from orchestration.advance import simulation_advance
    from scripts_lib.services import mount_create, script_create, script_version_create
    from simulations.models import Agent
    from simulations.services import simulation_create

    user = UserFactory(username="fuzzer")
    simulation = simulation_create(
        name="fuzz", config={"n_households": 50, "n_firms": 5, "n_banks": 2}, seed=3,
        ticks_per_day=2, status="running")
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    agent, _ = Agent.objects.update_or_create(simulation=simulation, agent_type="household",
                                              engine_id=1, defaults={"owner": user})
    script = script_create(owner=user, name="fuzz", agent_type="household")
    version = script_version_create(script=script, source=HOUSEHOLD, user=user)
    mount = mount_create(simulation_id=simulation.pk, agent_id=agent.pk,
                         version_id=version.pk, user=user)
    free = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=2)
    return {"user": user, "token": Token.objects.create(user=user).key, "ids": {
        "simulation_id": simulation.pk, "agent_id": free.pk, "script_id": script.pk,
        "number": version.number, "mount_id": mount.pk}}


def _load_schema() -> Any:
    """The schema /api/schema/ serves, generated in process (collection has no database), to
    be called through Django's WSGI handler."""
    from django.core.handlers.wsgi import WSGIHandler
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = WSGIHandler()  # what schemathesis.openapi.from_wsgi sets
    return loaded


schema = _load_schema()


@pytest.fixture
def in_process(settings: Any) -> Iterator[None]:
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis' WSGI client sends
    # Every token request hashes a password (unknown users too); PBKDF2 would take the budget.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Django's handler closes the database connection after each request; in a test that
    # would end the test's transaction (Django's own test client detaches the same handlers).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_ids(case: Any, ids: dict[str, int]) -> None:
    """Every other generated id (the even ones) becomes the seeded object's id."""
    for name, value in (case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]


@schema.parametrize()
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_is_a_server_error_and_every_refusal_names_its_rule(
        case: Any, seeded: dict, in_process: None) -> None:
    from rest_framework.authtoken.models import Token

    _real_ids(case, seeded["ids"])
    # DELETE /api/auth/token/ revokes the token: the next example gets it back.
    Token.objects.get_or_create(user=seeded["user"], defaults={"key": seeded["token"]})
    response = case.call(headers={"Authorization": f"Token {seeded['token']}"})
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:500]}"
    if 400 <= response.status_code < 500 and case.method.upper() != "HEAD":  # HEAD: no body
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{where}: {response.text[:300]}"
        body = response.json()
        assert set(body) >= ERROR_KEYS and body["status"] == response.status_code, where
        assert body["errors"] and all(set(e) == ERROR_ITEM_KEYS for e in body["errors"]), where
