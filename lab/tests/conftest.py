"""A small simulation with two archived days: the owner's household 0 runs a script (version
1 mounted, version 2 uploaded later), another user's firm and bank run theirs. The owner has
CPU in their bucket."""

from __future__ import annotations

import pytest

from simulations.tests.conftest import simulation  # noqa: F401

HOUSEHOLD_V1 = """\
def decide(obs):
    memory = obs["memory"]
    memory["calls"] = memory.get("calls", 0) + 1
    print("v1 call", memory["calls"])
    return {"consume_share": 0.6, "memory": memory}
"""

HOUSEHOLD_V2 = """\
def decide(obs):
    memory = obs["memory"]
    memory["calls"] = memory.get("calls", 0) + 1
    print("v2 call", memory["calls"])
    return {"consume_share": 0.1, "memory": memory}
"""

FIRM = """\
def decide(obs):
    return {"price_cents": 1 + obs["tick"]}
"""

BANK = """\
def decide(obs):
    return {"loan_rate": 0.2}
"""


def mount(sim, user, agent_type: str, engine_id: int, source: str, name: str):
    from scripts_lib.services import mount_create, script_create, script_version_create
    from simulations.models import Agent

    agent = Agent.objects.get(simulation=sim, agent_type=agent_type, engine_id=engine_id)
    if agent.owner_id != user.pk:
        agent.owner = user
        agent.save(update_fields=["owner"])
    script = script_create(owner=user, name=name, agent_type=agent_type)
    version = script_version_create(script=script, source=source, user=user)
    mount_create(simulation_id=sim.pk, agent_id=agent.pk, version_id=version.pk,
                 user=user)
    return agent, script, version


def run_day(sim, expected_tick: int) -> None:
    from orchestration.runs import day_run_execute
    from simulations.models import DayRun

    run = DayRun.objects.create(simulation=sim, expected_tick=expected_tick,
                                ticks_requested=sim.ticks_per_day)
    assert day_run_execute(day_run_id=run.pk).outcome == "succeeded"


@pytest.fixture
def lab_world(simulation, owner, other_user):  # noqa: F811
    from accounts.models import CpuBucket
    from scripts_lib.services import script_version_create

    agent, script, v1 = mount(simulation, owner, "household", 0, HOUSEHOLD_V1, "spender")
    mount(simulation, other_user, "firm", 2, FIRM, "dumper")
    mount(simulation, other_user, "bank", 1, BANK, "dear")
    run_day(simulation, 0)
    run_day(simulation, 4)
    v2 = script_version_create(script=script, source=HOUSEHOLD_V2, user=owner)
    CpuBucket.objects.update_or_create(user=owner, defaults={"bucket_ms": 8000})
    simulation.refresh_from_db()
    return {"simulation": simulation, "agent": agent, "script": script, "v1": v1, "v2": v2}
