"""GET /api/simulations/{id}/agents/{agent_id}/script-history/ on a real scripted run: every
call with its version (across a version switch), outcome, rule, output, CPU and failures."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orchestration.runs import day_run_execute
from scripts_lib.services import (
    mount_create,
    rotation_schedule,
    script_create,
    script_version_create,
)
from simulations.models import Agent, DayRun
from simulations.services import agent_claim

pytestmark = pytest.mark.django_db

V1 = """\
def decide(obs):
    print("v1 at", obs["tick"])
    if obs["tick"] == 2:
        return {"consume_share": 5.0}
    if obs["tick"] == 3:
        raise RuntimeError("a bad tick")
    return {"consume_share": 0.5}
"""
V2 = """\
def decide(obs):
    print("v2 at", obs["tick"])
    return {"consume_share": 0.6}
"""


def _run_day(simulation) -> None:
    simulation.refresh_from_db()
    run = DayRun.objects.create(simulation=simulation, expected_tick=simulation.tick,
                                ticks_requested=simulation.ticks_per_day)
    assert day_run_execute(day_run_id=run.pk).outcome == "succeeded"


@pytest.fixture(scope="module")
def scripted(django_db_setup, django_db_blocker):
    """Household 0 of the owner: v1 for days 1 and 2, v2 from day 3 (a rotation); 12 ticks.
    Built once for the module (the test database keeps it until the module ends)."""
    from accounts.tests.factories import UserFactory
    from simulations.tests.conftest import make_simulation

    with django_db_blocker.unblock():
        owner = UserFactory(username="history-owner")
        other = UserFactory(username="history-other")
        staff = UserFactory(username="history-staff", is_staff=True)
        simulation = make_simulation("script-history")
        agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=0)
        agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
        other_agent = Agent.objects.get(simulation=simulation, agent_type="household",
                                        engine_id=1)
        agent_claim(simulation_id=simulation.pk, agent_id=other_agent.pk, user_id=other.pk)
        script = script_create(owner=owner, name="saver", agent_type="household")
        v1 = script_version_create(script=script, source=V1, user=owner)
        v2 = script_version_create(script=script, source=V2, user=owner)
        mount = mount_create(simulation_id=simulation.pk, agent_id=agent.pk,
                             version_id=v1.pk, user=owner)
        _run_day(simulation)
        rotation_schedule(simulation_id=simulation.pk, mount_id=mount.pk, version_id=v2.pk,
                          user=owner)
        _run_day(simulation)
        _run_day(simulation)
        yield {"simulation": simulation, "agent": agent, "other_agent": other_agent,
               "owner": owner, "other": other, "staff": staff, "v1": v1, "v2": v2}
        simulation.delete()
        for user in (owner, other, staff):
            user.delete()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(s, agent=None) -> str:
    agent = agent or s["agent"]
    return f"/api/simulations/{s['simulation'].pk}/agents/{agent.pk}/script-history/"


def test_every_tick_is_a_row_with_its_version_outcome_output_and_failure(scripted):
    body = _client(scripted["owner"]).get(_url(scripted), {"limit": 100}).json()
    rows = body["results"]
    assert [r["tick"] for r in rows] == list(range(1, 13))
    assert body["next"] is None
    assert [r["version_number"] for r in rows] == [1] * 8 + [2] * 4  # switched at day end
    assert {r["script_name"] for r in rows} == {"saver"}
    by_tick = {r["tick"]: r for r in rows}
    assert by_tick[1]["outcome"] == "accepted" and by_tick[1]["output"] == "v1 at 1\n"
    assert by_tick[1]["decision"] == {"consume_share": 0.5}
    assert by_tick[2]["outcome"] == "rejected"
    assert (by_tick[2]["field"], by_tick[2]["decision"]) == ("consume_share",
                                                             {"consume_share": 5.0})
    assert by_tick[2]["rule"]
    assert by_tick[3]["outcome"] == "failed" and by_tick[3]["rule"] == "exception"
    assert by_tick[3]["failures"][0]["kind"] == "exception"
    assert "a bad tick" in by_tick[3]["failures"][0]["message"]
    assert by_tick[10]["output"] == "v2 at 10\n"
    assert all(r["cpu_ms"] > 0 for r in rows)


def test_the_version_filter_keeps_the_old_versions_rows(scripted):
    client = _client(scripted["owner"])
    old = client.get(_url(scripted), {"version": scripted["v1"].pk, "limit": 100}).json()
    assert [r["tick"] for r in old["results"]] == list(range(1, 9))
    failed = client.get(_url(scripted), {"outcome": "failed"}).json()
    assert [r["tick"] for r in failed["results"]] == [3]


def test_pages_walk_every_row_once_by_cursor_and_offset(scripted):
    client = _client(scripted["owner"])
    for params in ({"limit": 5}, {"limit": 5, "offset": 0}):
        ticks, page = [], client.get(_url(scripted), params).json()
        ticks += [r["tick"] for r in page["results"]]
        while page["next"]:
            page = client.get(page["next"]).json()
            ticks += [r["tick"] for r in page["results"]]
        assert ticks == list(range(1, 13))
    ranged = client.get(_url(scripted), {"tick_from": 4, "tick_to": 5}).json()
    assert [r["tick"] for r in ranged["results"]] == [4, 5]


def test_another_users_agent_is_the_404_of_a_missing_one_operators_see_it(scripted):
    client = _client(scripted["other"])
    mine = client.get(_url(scripted, scripted["other_agent"]))
    assert mine.status_code == 200 and mine.json()["results"] == []  # no script ran
    theirs = client.get(_url(scripted))
    missing = client.get(f"/api/simulations/{scripted['simulation'].pk}/agents/"
                         f"{10**9}/script-history/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert len(_client(scripted["staff"]).get(_url(scripted)).json()["results"]) == 12
    assert APIClient().get(_url(scripted)).status_code == 401


@pytest.mark.parametrize(("params", "field", "rule"), [
    ({"version": "0"}, "version", "min_value"),
    ({"version": "\u0661"}, "version", "invalid"),  # an Arabic-Indic one
    ({"outcome": "maybe"}, "outcome", "invalid_choice"),
    ({"tick_from": "5", "tick_to": "1"}, "tick_from", "range"),
    ({"tick_to": str(2**63)}, "tick_to", "max_value"),
    ({"cursor": "bm9wZQ"}, "cursor", "invalid"),
    ({"cursor": "x", "offset": "1"}, "offset", "exclusive"),
    ({"limit": "100000"}, "limit", "max_value"),
])
def test_hostile_query_strings_are_400_naming_field_and_rule(scripted, params, field, rule):
    response = _client(scripted["owner"]).get(_url(scripted), params)
    assert response.status_code == 400
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]
