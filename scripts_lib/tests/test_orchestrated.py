"""The tick path as the orchestrator drives it (orchestration.advance.simulation_advance):
scripts decide, failures fall back to the baseline, rotations wait for the day's end."""

from accounts.models import CpuBucket
from orchestration.advance import simulation_advance
from scripts_lib.models import Mount, Rotation, ScriptFailure, ScriptTickLog
from scripts_lib.services import mount_create, rotation_schedule
from scripts_lib.tests.conftest import HOUSEHOLD, SMALL, new_version
from simulations.models import Agent
from simulations.services import agent_claim, simulation_create


def test_scripts_drive_agents_through_the_orchestrator(owner, other_user):
    simulation = simulation_create(name="orchestrated", config=SMALL, seed=5, status="running")
    agents = {(a.agent_type, a.engine_id): a for a in Agent.objects.filter(
        simulation=simulation, engine_id__in=(0, 1), agent_type="household")}
    for engine_id, user in ((0, owner), (1, other_user)):
        agent_claim(simulation_id=simulation.pk, agent_id=agents[("household", engine_id)].pk,
                    user_id=user.pk)
    saver = mount_create(simulation_id=simulation.pk, agent_id=agents[("household", 0)].pk,
                         version_id=new_version(owner, HOUSEHOLD).pk, user=owner)
    broken = mount_create(simulation_id=simulation.pk, agent_id=agents[("household", 1)].pk,
                          version_id=new_version(other_user, "def decide(obs):\n"
                                                             "    return {'quit_job': 1}").pk,
                          user=other_user)
    rotation = rotation_schedule(simulation_id=simulation.pk, mount_id=saver.pk,
                                 version_id=new_version(owner, HOUSEHOLD.replace("0.5", "0.2")).pk,
                                 user=owner)

    result = simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=6)
    assert (result.outcome, result.end_tick) == ("advanced", 6)

    rotation.refresh_from_db()
    assert (rotation.status, rotation.applied_tick) == ("applied", 4)
    current = Mount.objects.get(agent=saver.agent, active=True)
    assert current.memory == {"ticks": 6} and current.since_tick == 5
    assert ScriptTickLog.objects.filter(mount__agent=saver.agent).count() == 6
    failures = ScriptFailure.objects.filter(mount=broken)
    assert failures.count() == 5 and {f.kind for f in failures} == {"rejected_decision"}
    broken.refresh_from_db()
    assert not broken.active and broken.unmounted_why == "strikes"  # 5 in a row
    assert set(CpuBucket.objects.values_list("user_id", "ticks")) == {(owner.pk, 6),
                                                                      (other_user.pk, 5)}
    assert Rotation.objects.count() == 1
