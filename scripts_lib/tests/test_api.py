"""The scripts API: owner-only access (operators see all), 400s naming field and rule."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from scripts_lib.models import Mount, Script
from scripts_lib.services import rotation_schedule
from scripts_lib.tests.conftest import HOUSEHOLD, claim, mount, new_version

GOOD = "def decide(obs):\n    return {}\n"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def errors(response) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


@pytest.fixture
def script(owner) -> Script:
    return new_version(owner, HOUSEHOLD, name="saver").script


def test_anonymous_callers_get_401(api_client, script):
    for url in ("/api/scripts/", f"/api/scripts/{script.pk}/", "/api/scripts/schema/",
                "/api/me/failures/"):
        assert api_client.get(url).status_code == 401


def test_scripts_are_visible_to_their_owner_and_operators_only(
        script, owner_client, other_user, operator):
    other = client_for(other_user)
    assert owner_client.get("/api/scripts/").json()["count"] == 1
    assert other.get("/api/scripts/").json()["count"] == 0
    assert client_for(operator).get("/api/scripts/").json()["results"][0]["owner"] == "owner"
    for client, expected in ((owner_client, 200), (other, 404), (client_for(operator), 200)):
        assert client.get(f"/api/scripts/{script.pk}/").status_code == expected
        assert client.get(f"/api/scripts/{script.pk}/versions/").status_code == expected
        assert client.get(f"/api/scripts/{script.pk}/versions/1/").status_code == expected
    assert other.patch(f"/api/scripts/{script.pk}/", {"name": "mine"}).status_code == 404
    assert other.delete(f"/api/scripts/{script.pk}/").status_code == 404
    assert other.post(f"/api/scripts/{script.pk}/versions/", {"source": GOOD}).status_code == 404


def test_create_update_and_delete_a_script(owner_client):
    created = owner_client.post("/api/scripts/", {"name": "trend", "agent_type": "firm",
                                                  "description": "Follows the trend."})
    assert created.status_code == 201
    body = created.json()
    assert body | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0, "name": "trend", "agent_type": "firm", "description": "Follows the trend.",
        "hide_name": False, "owner": "owner", "version_count": 0, "latest_version": None,
        "last_version_at": None, "created_at": "", "updated_at": ""}
    url = f"/api/scripts/{body['id']}/"
    renamed = owner_client.patch(url, {"name": "trend 2"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "trend 2"
    hidden = owner_client.patch(url, {"hide_name": True}, format="json")
    assert hidden.status_code == 200 and hidden.json()["hide_name"] is True
    assert hidden.json()["name"] == "trend 2"
    refused = owner_client.patch(url, {"hide_name": "maybe"}, format="json")
    assert refused.status_code == 400 and errors(refused) == [("hide_name", "invalid")]
    assert owner_client.get(url).json()["hide_name"] is True
    refused = owner_client.patch(url, {"agent_type": "bank"}, format="json")
    assert refused.status_code == 400 and errors(refused) == [("agent_type", "read_only")]
    assert owner_client.delete(url).status_code == 204
    assert owner_client.get(url).status_code == 404


@pytest.mark.parametrize(("payload", "expected"), [
    ({"agent_type": "firm"}, [("name", "required")]),
    ({"name": "x", "agent_type": "alien"}, [("agent_type", "invalid_choice")]),
    ({"name": "x" * 81, "agent_type": "firm"}, [("name", "max_length")]),
])
def test_bad_script_input_is_a_400_naming_field_and_rule(owner_client, payload, expected):
    response = owner_client.post("/api/scripts/", payload, format="json")
    assert response.status_code == 400 and errors(response) == expected


def test_version_upload_errors_carry_the_line(owner_client, script):
    url = f"/api/scripts/{script.pk}/versions/"
    response = owner_client.post(url, {"source": "import math\nimport os\n"
                                                 "def decide(obs):\n    return {}\n"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("source", "forbidden_import")
    assert error["message"].startswith("line 2: import of 'os' is not allowed")
    response = owner_client.post(url, {"source": "def decide(obs)\n    return {}\n"})
    assert errors(response) == [("source", "syntax_error")]
    assert response.json()["errors"][0]["message"].startswith("line 1: syntax error")
    assert errors(owner_client.post(url, {})) == [("source", "required")]


def test_versions_list_and_detail(owner_client, script):
    created = owner_client.post(f"/api/scripts/{script.pk}/versions/", {"source": GOOD})
    assert created.status_code == 201 and created.json()["number"] == 2
    assert created.json()["source"] == GOOD
    listed = owner_client.get(f"/api/scripts/{script.pk}/versions/").json()
    assert [v["number"] for v in listed["results"]] == [2, 1]
    assert "source" not in listed["results"][0]
    detail = owner_client.get(f"/api/scripts/{script.pk}/versions/1/").json()
    assert detail["source"] == HOUSEHOLD and detail["active_mounts"] == 0
    assert owner_client.get(f"/api/scripts/{script.pk}/versions/9/").status_code == 404


def test_mounts_follow_the_claim_rule_and_are_listed_per_user(
        simulation, owner, owner_client, other_user, operator, script):
    version = script.versions.get()
    agent = claim(simulation, owner, "household", 3)
    unclaimed = claim(simulation, None, "household", 4)
    url = f"/api/simulations/{simulation.pk}/mounts/"
    response = owner_client.post(url, {"agent": unclaimed.pk, "script_version": version.pk})
    assert response.status_code == 400 and errors(response) == [("agent", "not_claimed")]
    assert errors(owner_client.post(url, {"agent": agent.pk})) == [("script_version",
                                                                     "required")]
    created = owner_client.post(url, {"agent": agent.pk, "script_version": version.pk})
    assert created.status_code == 201
    body = created.json()
    assert body["agent"] == {"id": agent.pk, "agent_type": "household", "engine_id": 3}
    assert (body["script"], body["version_number"], body["active"]) == (script.pk, 1, True)
    other_mount = mount(simulation, other_user, engine_id=5)
    assert [m["id"] for m in owner_client.get(url).json()["results"]] == [body["id"]]
    assert len(client_for(operator).get(url).json()["results"]) == 2
    assert owner_client.get(url + "?active=maybe").status_code == 400
    # Someone else's mount is not yours to end.
    refused = owner_client.delete(f"{url}{other_mount.pk}/")
    assert refused.status_code == 400 and errors(refused) == [("mount", "does_not_exist")]
    assert owner_client.delete(f"{url}{body['id']}/").status_code == 204
    assert not Mount.objects.get(pk=body["id"]).active
    assert owner_client.get(url + "?active=true").json()["results"] == []
    assert owner_client.get("/api/simulations/999999/mounts/").status_code == 404


def test_rotations_are_scheduled_for_the_next_day_boundary(
        simulation, owner, owner_client, other_user):
    current = mount(simulation, owner)
    newer = new_version(owner, GOOD)
    simulation.tick = 5
    simulation.save(update_fields=["tick"])
    url = f"/api/simulations/{simulation.pk}/rotations/"
    response = owner_client.post(url, {"mount": current.pk, "script_version": newer.pk})
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["apply_at_day"], body["apply_at_tick"]) == ("pending", 2, 8)
    same = owner_client.post(url, {"mount": current.pk,
                                   "script_version": current.script_version_id})
    assert errors(same) == [("script_version", "already_mounted")]
    other = client_for(other_user).post(url, {"mount": current.pk, "script_version": newer.pk})
    assert errors(other) == [("mount", "does_not_exist")]
    assert [r["id"] for r in owner_client.get(url).json()["results"]] == [body["id"]]
    assert client_for(other_user).get(url).json()["results"] == []


def test_my_failures_are_paginated_and_filtered(simulation, owner, owner_client, other_user,
                                                advance):
    failing = mount(simulation, owner, "def decide(obs):\n    raise ValueError('no')")
    mount(simulation, other_user, "def decide(obs):\n    raise ValueError('no')", engine_id=1)
    advance()
    advance()
    page = owner_client.get("/api/me/failures/?page_size=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    row = page["results"][0]
    assert (row["kind"], row["message"], row["tick"]) == ("exception", "ValueError: no", 2)
    assert row["agent"]["engine_id"] == 0 and "line 2, in decide" in row["traceback"]
    script_id = failing.script_version.script_id
    assert owner_client.get(f"/api/me/failures/?script={script_id}").json()["count"] == 2
    assert owner_client.get(f"/api/me/failures/?script={script_id + 100}").json()["count"] == 0
    assert owner_client.get(f"/api/me/failures/?simulation={simulation.pk}").json()["count"] == 2
    bad = owner_client.get("/api/me/failures/?simulation=abc")
    assert bad.status_code == 400 and errors(bad) == [("simulation", "invalid")]


def test_the_decision_schema_is_served_to_logged_in_users(owner_client):
    body = owner_client.get("/api/scripts/schema/").json()
    assert set(body["agent_types"]) == {"household", "firm", "bank", "central_bank",
                                        "government"}
    assert body["memory_key"] == "memory"


def test_the_openapi_schema_lists_every_scripts_endpoint(owner_client):
    paths = owner_client.get("/api/schema/?format=json").json()["paths"]
    for path, methods in {
        "/api/scripts/": {"get", "post"},
        "/api/scripts/{script_id}/": {"get", "patch", "delete"},
        "/api/scripts/{script_id}/versions/": {"get", "post"},
        "/api/scripts/{script_id}/versions/{number}/": {"get"},
        "/api/scripts/{script_id}/versions/{number}/dry_run/": {"post"},
        "/api/scripts/schema/": {"get"},
        "/api/simulations/{simulation_id}/mounts/": {"get", "post"},
        "/api/simulations/{simulation_id}/mounts/{mount_id}/": {"delete"},
        "/api/simulations/{simulation_id}/rotations/": {"get", "post"},
        "/api/me/failures/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path


def test_lists_cost_the_same_queries_for_more_rows(simulation, owner, owner_client, advance):
    failing = "def decide(obs):\n    raise ValueError('no')"
    later = new_version(owner, GOOD)

    def mounted_and_rotating(engine_id: int) -> None:
        mounted = mount(simulation, owner, failing, engine_id=engine_id)
        rotation_schedule(simulation_id=simulation.pk, mount_id=mounted.pk,
                          version_id=later.pk, user=owner)

    mounted_and_rotating(0)
    advance()
    urls = (f"/api/simulations/{simulation.pk}/mounts/", "/api/me/failures/", "/api/scripts/",
            f"/api/simulations/{simulation.pk}/rotations/")
    def counts() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert owner_client.get(url).status_code == 200
            out.append(len(queries))
        return out

    few = counts()
    for engine_id in range(1, 6):
        mounted_and_rotating(engine_id)
    advance()
    assert counts() == few


def test_the_last_versions_time_is_listed(owner_client, script):
    version = script.versions.get()
    body = owner_client.get(f"/api/scripts/{script.pk}/").json()
    assert body["last_version_at"] == version.created_at.isoformat().replace("+00:00", "Z")


def test_a_script_due_to_replace_a_mounted_one_cannot_be_deleted(simulation, owner,
                                                                  owner_client):
    mounted = mount(simulation, owner, GOOD)
    switch = new_version(owner, HOUSEHOLD, name="switch")
    rotation_schedule(simulation_id=simulation.pk, mount_id=mounted.pk, version_id=switch.pk,
                      user=owner)
    refused = owner_client.delete(f"/api/scripts/{switch.script_id}/")
    assert refused.status_code == 400 and errors(refused) == [("script", "rotation_pending")]
    assert Script.objects.get(pk=switch.script_id).archived_at is None
