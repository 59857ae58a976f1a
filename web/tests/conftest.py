"""The cast of the product pages' tests: a small running world, an owner with a claimed
household and a script, another user and an operator (root conftest.py)."""

from __future__ import annotations

import pytest

from scripts_lib.models import Script, ScriptVersion
from scripts_lib.services import script_create, script_version_create
from simulations.models import Agent, Simulation
from simulations.services import agent_claim, simulation_create

SMALL = {"n_households": 200, "n_firms": 10, "n_banks": 2}

HOUSEHOLD = """\
def decide(obs):
    print("deciding", obs["tick"])
    return {"consume_share": 0.5}
"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def simulation(db) -> Simulation:
    return simulation_create(name="web-world", config=SMALL, seed=5, ticks_per_day=2,
                             status=Simulation.Status.RUNNING)


@pytest.fixture
def household(simulation, owner) -> Agent:
    agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=3)
    return agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)


@pytest.fixture
def script(owner) -> Script:
    return script_create(owner=owner, name="saver", agent_type="household")


@pytest.fixture
def version(script, owner) -> ScriptVersion:
    return script_version_create(script=script, source=HOUSEHOLD, user=owner)
