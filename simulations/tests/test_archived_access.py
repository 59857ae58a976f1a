"""Archived means gone: to users every endpoint naming an archived simulation answers exactly as
for a missing id, and a stranger cannot tell an existing simulation from a missing one where
participants-only data is asked. Operators keep full access.

The walk covers every /api/ path of the OpenAPI schema that takes a simulation id, and checks
that the URL resolver has no such path the schema leaves out: a future endpoint cannot forget
the gate without failing here."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from scripts_lib.models import Mount, Rotation
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, Schedule, Simulation
from simulations.services import agent_claim, simulations_archive
from simulations.tests.conftest import make_simulation

pytestmark = pytest.mark.django_db

SOURCE = "def decide(obs):\n    return {}\n"
MISSING = 10**9


def _routes(patterns: list, prefix: str = "") -> list[str]:
    """Every route of the URL resolver, as `{name}` templates."""
    out = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            out += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            out.append(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return out


def _schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method) for path, ops in schema["paths"].items()
            if "{simulation_id}" in path for method in ops]


@pytest.fixture
def world(owner, other_user):
    """An archived simulation where `owner` holds a household with a mounted script and a
    pending rotation, and a live one where `owner` takes part and `other_user` does not."""
    archived, live = make_simulation("archived-world"), make_simulation("live-world")
    script = script_create(owner=owner, name="h", agent_type="household")
    v1 = script_version_create(script=script, source=SOURCE, user=owner)
    v2 = script_version_create(script=script, source=SOURCE + "# 2\n", user=owner)
    ids = {}
    for simulation in (archived, live):
        agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=1)
        agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
        mount = mount_create(simulation_id=simulation.pk, agent_id=agent.pk,
                             version_id=v1.pk, user=owner)
        ids[simulation.pk] = {"agent": agent, "mount": mount}
    Rotation.objects.create(mount=ids[archived.pk]["mount"], old_version=v1, new_version=v2,
                            requested_by=owner, apply_at_day=1)
    schedule = Schedule.objects.create(simulation=archived, kind=Schedule.Kind.INTERVAL,
                                       every_minutes=5)
    simulations_archive(simulation_ids=[archived.pk])
    free = Agent.objects.get(simulation=archived, agent_type="household", engine_id=2)
    return {"archived": archived, "live": live, "agent": ids[archived.pk]["agent"],
            "mount": ids[archived.pk]["mount"], "free": free, "schedule": schedule,
            "v2": v2, "v1": v1}


def _request(client: APIClient, method: str, template: str, simulation_id: int,
             world: dict) -> tuple[int, object]:
    path = template.format(simulation_id=simulation_id, agent_id=world["free"].pk
                           if template.endswith("/claim/") else world["agent"].pk,
                           mount_id=world["mount"].pk, schedule_id=world["schedule"].pk)
    body = {"agent": world["agent"].pk, "script_version": world["v1"].pk,
            "mount": world["mount"].pk, "kind": "interval", "every_minutes": 5,
            "type": "tax_rate", "ticks": 1}
    response = client.get(path) if method == "get" else \
        getattr(client, method)(path, body, format="json")
    try:
        payload = response.json()
    except (ValueError, TypeError):
        payload = b"".join(response.streaming_content) if response.streaming else \
            response.content
    return response.status_code, payload


def _client(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_schema_lists_every_route_that_takes_a_simulation_id():
    routes = {r for r in _routes(get_resolver().url_patterns) if "{simulation_id}" in r}
    in_schema = {path.removeprefix("/") for path, _ in _schema_operations()}
    api_routes = {r for r in routes if r.startswith("api/")}
    assert api_routes - in_schema == set()
    assert len(in_schema) >= 18  # the walk below really walks


def test_archived_simulation_answers_every_endpoint_like_a_missing_one(world, owner,
                                                                        other_user):
    operations = _schema_operations()
    for user in (owner, other_user):
        client = _client(user)
        for template, method in operations:
            gone = _request(client, method, template, world["archived"].pk, world)
            missing = _request(client, method, template, MISSING, world)
            assert gone == missing, (user.username, method, template, gone, missing)
            assert gone[0] in (403, 404), (method, template, gone)
    # and nothing was touched
    mount = Mount.objects.get(pk=world["mount"].pk)
    assert mount.active and mount.unmounted_why == ""
    assert Mount.objects.filter(simulation=world["archived"]).count() == 1
    assert Rotation.objects.filter(mount=mount, status=Rotation.Status.PENDING).count() == 1
    assert Agent.objects.get(pk=world["agent"].pk).owner_id == owner.pk
    assert Agent.objects.get(pk=world["free"].pk).owner_id is None
    assert Schedule.objects.filter(pk=world["schedule"].pk).exists()


def test_a_stranger_cannot_tell_a_live_simulation_from_a_missing_one(world, other_user):
    """Where a live simulation's data is for participants, a stranger gets the 404 of a
    missing id; elsewhere the data is public (a success), never a different refusal."""
    client = _client(other_user)
    refused = []
    for template, method in _schema_operations():
        if method != "get":
            continue
        live = _request(client, method, template, world["live"].pk, world)
        missing = _request(client, method, template, MISSING, world)
        if live[0] >= 300:
            assert live == missing, (template, live, missing)
            refused.append(template)
    assert any("/history/ledger/" in t for t in refused)
    assert any("/history/aggregates/" in t for t in refused)


def test_operators_keep_full_access_to_archived_simulations(world, operator):
    client = _client(operator)
    sim = world["archived"].pk
    assert client.get(f"/api/simulations/{sim}/").status_code == 200
    assert client.get(f"/api/simulations/{sim}/history/aggregates/").status_code == 200
    mounts = client.get(f"/api/simulations/{sim}/mounts/").json()
    assert [m["id"] for m in mounts["results"]] == [world["mount"].pk]
    assert client.get(f"/api/simulations/{sim}/rotations/").json()["results"]
    assert client.delete(f"/api/simulations/{sim}/mounts/{world['mount'].pk}/") \
        .status_code == 204


def test_dry_run_against_an_archived_simulations_agent_is_refused_like_a_missing_agent(
        world, owner):
    client = _client(owner)
    script_id = world["v1"].script_id
    url = f"/api/scripts/{script_id}/versions/{world['v1'].number}/dry_run/"
    gone = client.post(url, {"agent": world["agent"].pk}, format="json")
    missing = client.post(url, {"agent": MISSING}, format="json")
    assert gone.status_code == missing.status_code == 400
    body, other = gone.json(), missing.json()
    assert [(e["field"], e["rule"]) for e in body["errors"]] == \
        [(e["field"], e["rule"]) for e in other["errors"]] == [("agent", "not_claimed")]


def test_failures_of_an_archived_simulation_are_gone_from_my_list(world, owner):
    from scripts_lib.models import ScriptFailure

    ScriptFailure.objects.create(simulation=world["archived"], tick=1, agent=world["agent"],
                                 mount=world["mount"], version=world["v1"], owner=owner,
                                 kind="exception", message="boom")
    client = _client(owner)
    mine = client.get("/api/me/failures/", {"simulation": world["archived"].pk}).json()
    assert mine["results"] == []


def _page(response: object) -> str:
    """The page without its per-response CSRF tokens and the language form's return path."""
    html = response.content.decode()
    html = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", html)


def test_archived_simulation_pages_answer_like_a_missing_one(world, owner, client):
    client.force_login(owner)
    sim = world["archived"].pk
    pairs = [
        ("get", "/dashboard/economy/{}/series/", {}),
        ("post", "/dashboard/simulations/{}/release/", {"agent": world["agent"].pk}),
        ("post", "/dashboard/claim/", None),
    ]
    for method, url, data in pairs:
        if data is None:  # the claim form names the simulation in its body
            gone = client.post(url, {"simulation": sim, "agent_type": "household"})
            missing = client.post(url, {"simulation": MISSING, "agent_type": "household"})
        else:
            gone = getattr(client, method)(url.format(sim), data)
            missing = getattr(client, method)(url.format(MISSING), data)
        assert gone.status_code == missing.status_code == 404, url
        assert _page(gone) == _page(missing)
    script = world["v1"].script_id
    unmount = client.post(f"/scripts/{script}/mounts/{world['mount'].pk}/unmount/")
    assert unmount.status_code == 404
    assert Mount.objects.get(pk=world["mount"].pk).active
    assert Agent.objects.get(pk=world["agent"].pk).owner_id == owner.pk
    assert Simulation.objects.get(pk=sim).archived_at is not None
