"""Policy roles are granted, not grabbed: users claim the agent types a simulation allows
(households, firms and banks by default), operators assign the rest; a user releases their own
agents, which unmounts their scripts."""

from __future__ import annotations

import pytest

from scripts_lib.models import Mount, Rotation
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, Simulation, claimable_by_default
from simulations.tests.conftest import make_simulation

pytestmark = pytest.mark.django_db

SOURCE = "def decide(obs):\n    return {}\n"


def _agent(simulation: Simulation, agent_type: str, engine_id: int = 0) -> Agent:
    return Agent.objects.get(simulation=simulation, agent_type=agent_type, engine_id=engine_id)


def _claim(client, simulation: Simulation, agent_id: int):
    return client.post(f"/api/simulations/{simulation.pk}/agents/{agent_id}/claim/")


def _release(client, simulation: Simulation, agent_id: int):
    return client.post(f"/api/simulations/{simulation.pk}/agents/{agent_id}/release/")


@pytest.mark.parametrize("agent_type", ["government", "central_bank"])
def test_users_cannot_claim_the_government_or_the_central_bank(simulation, owner,
                                                               owner_client, agent_type):
    agent = _agent(simulation, agent_type)
    response = _claim(owner_client, simulation, agent.pk)
    assert response.status_code == 400
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == \
        [("agent_type", "operator_assigned")]
    assert "assigned by an operator" in response.json()["message"]
    agent.refresh_from_db()
    assert agent.owner_id is None and agent.claimed_at is None


def test_households_firms_and_banks_are_claimable_by_default(simulation, owner_client):
    assert simulation.claimable_agent_types == claimable_by_default() == \
        ["household", "firm", "bank"]
    for agent_type in ("household", "firm", "bank"):
        assert _claim(owner_client, simulation, _agent(simulation, agent_type).pk) \
            .status_code == 200
    listed = owner_client.get(f"/api/simulations/{simulation.pk}/").json()
    assert listed["claimable_agent_types"] == ["household", "firm", "bank"]


def test_the_operator_chooses_the_claimable_types_of_each_simulation(owner_client):
    simulation = make_simulation("open-government")
    simulation.claimable_agent_types = ["household", "government"]
    simulation.save(update_fields=["claimable_agent_types"])
    assert _claim(owner_client, simulation, _agent(simulation, "government").pk) \
        .status_code == 200
    refused = _claim(owner_client, simulation, _agent(simulation, "firm").pk)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["rule"] == "operator_assigned"


def test_operators_create_simulations_with_chosen_claimable_types_and_bad_ones_are_named(
        operator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(operator)
    base = {"config": {"n_households": 20, "n_firms": 2, "n_banks": 1}}
    bad = client.post("/api/simulations/", {**base, "name": "w1",
                                            "claimable_agent_types": ["household", "king"]},
                      format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"].startswith("claimable_agent_types")
    assert not Simulation.objects.filter(name="w1").exists()
    made = client.post("/api/simulations/", {**base, "name": "w2", "claimable_agent_types":
                                             ["government", "household", "household"]},
                       format="json")
    assert made.status_code == 201
    assert made.json()["claimable_agent_types"] == ["household", "government"]


def test_operators_may_claim_a_policy_agent_through_the_api(simulation, operator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(operator)
    assert _claim(client, simulation, _agent(simulation, "central_bank").pk).status_code == 200


def test_claiming_an_unknown_agent_id_is_a_404_json_not_a_500(simulation, owner_client):
    other_world = make_simulation("other-world")
    foreign = _agent(other_world, "household").pk  # exists, but not in this simulation
    answers = [_claim(owner_client, simulation, agent_id) for agent_id in (10**9, foreign)]
    for response in answers:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert answers[0].json() == answers[1].json()
    assert _agent(other_world, "household").owner_id is None


@pytest.fixture
def mounted(simulation, owner):
    """owner's household 0 with a mounted script and a pending rotation."""
    agent = _agent(simulation, "household")
    from simulations.services import agent_claim

    agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
    script = script_create(owner=owner, name="h", agent_type="household")
    v1 = script_version_create(script=script, source=SOURCE, user=owner)
    v2 = script_version_create(script=script, source=SOURCE + "# v2\n", user=owner)
    mount = mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=v1.pk,
                         user=owner)
    rotation = Rotation.objects.create(mount=mount, old_version=v1, new_version=v2,
                                       requested_by=owner, apply_at_day=1)
    return {"agent": agent, "mount": mount, "rotation": rotation}


def test_releasing_an_agent_unmounts_its_script_and_frees_it(simulation, owner_client,
                                                             other_user, mounted):
    response = _release(owner_client, simulation, mounted["agent"].pk)
    assert response.status_code == 200
    assert response.json()["owner"] is None
    agent = Agent.objects.get(pk=mounted["agent"].pk)
    assert agent.owner_id is None and agent.claimed_at is None
    mount = Mount.objects.get(pk=mounted["mount"].pk)
    assert not mount.active
    assert mount.unmounted_why == Mount.Why.RELEASED
    assert mount.unmounted_tick == simulation.tick and mount.unmounted_at is not None
    rotation = Rotation.objects.get(pk=mounted["rotation"].pk)
    assert rotation.status == Rotation.Status.CANCELLED
    # free for anyone again
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(other_user)
    assert _claim(other, simulation, agent.pk).status_code == 200


def test_releasing_an_agent_one_does_not_own_is_the_404_of_a_missing_one(
        simulation, owner, other_user, mounted):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other_user)
    free = _agent(simulation, "household", 5).pk
    answers = [_release(client, simulation, agent_id)
               for agent_id in (mounted["agent"].pk, free, 10**9)]
    assert {r.status_code for r in answers} == {404}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert Agent.objects.get(pk=mounted["agent"].pk).owner_id == owner.pk
    assert Mount.objects.get(pk=mounted["mount"].pk).active
    assert Rotation.objects.get(pk=mounted["rotation"].pk).status == Rotation.Status.PENDING


def test_an_operator_grants_the_central_bank_in_the_admin(client, operator, owner, simulation):
    agent = _agent(simulation, "central_bank")
    client.force_login(operator)
    url = f"/admin/simulations/agent/{agent.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, {"owner": owner.pk, "_save": "Save"}).status_code == 302
    agent.refresh_from_db()
    assert agent.owner_id == owner.pk and agent.claimed_at is not None


def test_the_operators_reassignment_and_release_unmount_the_previous_owners_script(
        client, operator, other_user, simulation, mounted):
    client.force_login(operator)
    url = f"/admin/simulations/agent/{mounted['agent'].pk}/change/"
    client.post(url, {"owner": other_user.pk, "_save": "Save"})
    assert Agent.objects.get(pk=mounted["agent"].pk).owner_id == other_user.pk
    mount = Mount.objects.get(pk=mounted["mount"].pk)
    assert not mount.active and mount.unmounted_why == Mount.Why.RELEASED
    client.post("/admin/simulations/agent/", {"action": "release",
                                               "_selected_action": [mounted["agent"].pk]})
    assert Agent.objects.get(pk=mounted["agent"].pk).owner_id is None


def test_the_operator_edits_the_claimable_types_in_the_admin(client, operator, simulation):
    client.force_login(operator)
    url = f"/admin/simulations/simulation/{simulation.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="claimable_agent_types" value="government"' in page
    form = {"name": simulation.name, "max_agents_per_user": "3",
            "claimable_agent_types": ["firm", "government"],
            "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", "_save": "Save"}
    assert client.post(url, form).status_code == 302
    simulation.refresh_from_db()
    assert simulation.claimable_agent_types == ["firm", "government"]
