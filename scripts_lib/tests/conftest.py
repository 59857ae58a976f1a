"""The cast for the script library's tests: a small simulation, claimed agents, versions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from scripts_lib.models import Mount, ScriptVersion
from scripts_lib.services import mount_create, script_create, script_version_create
from scripts_lib.tick import (
    ScriptTickRun,
    scripts_mounted_refs,
    scripts_record_tick,
    scripts_run_tick,
)
from simulations.engine import TickResult, World
from simulations.models import Agent, Checkpoint, Simulation

SMALL = {"n_households": 200, "n_firms": 10, "n_banks": 2}

HOUSEHOLD = """\
def decide(obs):
    memory = obs["memory"]
    memory["ticks"] = memory.get("ticks", 0) + 1
    print("tick", obs["tick"], "seen", memory["ticks"])
    return {"consume_share": 0.5, "memory": memory}
"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def simulation(db) -> Simulation:
    return Simulation.objects.create(name="scripts-test", seed=11, ticks_per_day=4,
                                     config=SMALL)


@pytest.fixture
def world(simulation) -> World:
    return World.create(simulation.scenario, simulation.config, seed=simulation.seed)


def claim(simulation: Simulation, user: object, agent_type: str = "household",
          engine_id: int = 0) -> Agent:
    agent, _ = Agent.objects.update_or_create(
        simulation=simulation, agent_type=agent_type, engine_id=engine_id,
        defaults={"owner": user})
    return agent


def new_version(user: object, source: str = HOUSEHOLD, agent_type: str = "household",
                name: str | None = None) -> ScriptVersion:
    script = script_create(owner=user, name=name or f"{agent_type}-{ScriptVersion.objects.count()}",
                           agent_type=agent_type)
    return script_version_create(script=script, source=source, user=user)


def mount(simulation: Simulation, user: object, source: str = HOUSEHOLD,
          agent_type: str = "household", engine_id: int = 0) -> Mount:
    agent = claim(simulation, user, agent_type, engine_id)
    version = new_version(user, source, agent_type)
    return mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=version.pk,
                        user=user)


def save_checkpoint(simulation: Simulation, world: World) -> Checkpoint:
    return Checkpoint.objects.create(simulation=simulation, tick=world.tick, kind="latest",
                                     state=world.to_bytes(), state_hash=world.state_hash(),
                                     size_bytes=0)


@pytest.fixture
def advance(simulation, world) -> Callable[[], tuple[ScriptTickRun, TickResult]]:
    """One tick as the orchestrator runs it: observe, run scripts, step, record, commit."""

    def step() -> tuple[ScriptTickRun, TickResult]:
        refs = scripts_mounted_refs(simulation_id=simulation.pk)
        tick = world.tick + 1
        run = scripts_run_tick(simulation_id=simulation.pk, tick=tick, world_seed=world.seed,
                               observations=world.observations(refs))
        result = world.step(run.decisions)
        with transaction.atomic():
            scripts_record_tick(simulation_id=simulation.pk, tick=tick, run=run,
                                rejected=result.rejected)
            Simulation.objects.filter(pk=simulation.pk).update(tick=result.tick)
        simulation.refresh_from_db(fields=["tick"])
        return run, result

    return step
