"""POST /api/scripts/{id}/dry_run/: unsaved text run once, no version created; the upload's
source checks, the per-minute limit and the CPU bucket apply to it."""

from __future__ import annotations

import pytest

from accounts.models import CpuBucket
from scripts_lib.models import Mount, ScriptVersion
from scripts_lib.services import script_create
from scripts_lib.tests.conftest import HOUSEHOLD, claim, save_checkpoint

pytestmark = pytest.mark.django_db

BURNER = """\
def decide(obs):
    n = 0
    for i in range(300000):
        n += i * i
    return {"consume_share": 0.4, "memory": {"n": n % 7}}
"""


@pytest.fixture
def script(owner):
    return script_create(owner=owner, name="draft", agent_type="household")


def dry_run(client, script, **payload):
    return client.post(f"/api/scripts/{script.pk}/dry_run/", payload, format="json")


def test_unsaved_text_runs_on_the_agents_observation_and_creates_no_version(
        simulation, world, owner, owner_client, script):
    agent = claim(simulation, owner, engine_id=5)
    save_checkpoint(simulation, world)
    response = dry_run(owner_client, script, source=HOUSEHOLD, agent=agent.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["validation"]["ok"]
    assert body["decision"] == {"consume_share": 0.5}
    assert body["memory"] == {"ticks": 1}  # the memory it returned
    assert body["log"] == "tick 1 seen 1\n"
    # the observation the script saw: this agent's, at the next tick
    assert body["observation"]["tick"] == 1 == body["tick"]
    assert body["observation"]["own"]["id"] == 5 and "public" in body["observation"]
    assert "memory" not in body["observation"]
    assert not ScriptVersion.objects.exists() and not Mount.objects.exists()


def test_a_rejected_decision_names_field_and_rule(owner, owner_client, script):
    body = dry_run(owner_client, script,
                   source="def decide(obs):\n    return {'consume_share': 3}\n").json()
    assert body["validation"] == {"ok": False, "field": "consume_share",
                                  "rule": "float in [0, 1] required"}


@pytest.mark.parametrize(("source", "rule"), [
    ("def decide(obs:\n    return {}\n", "syntax_error"),
    ("import os\ndef decide(obs):\n    return {}\n", "forbidden_import"),
    ("def choose(obs):\n    return {}\n", "missing_decide"),
    ("x = " + "(" * 101 + ")" * 101 + "\ndef decide(obs):\n    return {}\n", "too_complex"),
    ("x = " + "-" * 5000 + "1\ndef decide(obs):\n    return {}\n", "too_complex"),
    ("# " + "x" * (64 * 1024) + "\ndef decide(obs):\n    return {}\n", "too_large"),
])
def test_hostile_sources_are_400_on_source_with_the_rule(owner, owner_client, script, source,
                                                        rule):
    response = dry_run(owner_client, script, source=source)
    assert response.status_code == 400
    assert ("source", rule) in [(e["field"], e["rule"]) for e in response.json()["errors"]]
    assert not ScriptVersion.objects.exists()


def test_the_per_minute_limit_refuses_with_429_and_runs_nothing(owner, owner_client, script,
                                                               settings):
    settings.SCRIPT_DRY_RUNS_PER_MINUTE = 2
    for _ in range(2):
        assert dry_run(owner_client, script, source=HOUSEHOLD).status_code == 200
    refused = dry_run(owner_client, script, source=HOUSEHOLD)
    assert refused.status_code == 429
    body = refused.json()
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("detail",
                                                                  "too_many_dry_runs")]
    assert 1 <= int(refused["Retry-After"]) <= 60
    # saved versions' dry runs share the limit
    from scripts_lib.services import script_version_create
    version = script_version_create(script=script, source=HOUSEHOLD, user=owner)
    shared = owner_client.post(f"/api/scripts/{script.pk}/versions/{version.number}/dry_run/",
                               {}, format="json")
    assert shared.status_code == 429


def test_the_cpu_it_used_is_taken_from_the_bucket(owner, owner_client, script):
    CpuBucket.objects.create(user=owner, bucket_ms=5_000)
    body = dry_run(owner_client, script, source=BURNER).json()
    assert body["ok"] and body["cpu_ms"] > 1
    bucket = CpuBucket.objects.get(user=owner)
    assert bucket.bucket_ms == 5_000 - int(-(-body["cpu_ms"] // 1))  # rounded up to a ms
    assert bucket.ticks == 0  # a dry run is no tick: nothing granted


def test_another_users_script_is_404(other_user, script):
    from rest_framework.test import APIClient
    client = APIClient()
    client.force_authenticate(other_user)
    assert dry_run(client, script, source=HOUSEHOLD).status_code == 404
