"""A small real economy and a simulation whose archive holds its first ticks.

The owner claims household 1 and firm 2; the other user owns nothing; the operator is staff.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from history.services import history_ingest_snapshots, history_ingest_tick
from simulations.engine import TickResult, World

ENGINE_CONFIG = {"n_households": 200, "n_firms": 10, "n_banks": 3}
TICKS_PER_DAY = 2


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """The cast of users is made for every test; PBKDF2 would cost a second each time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def world_ticks() -> list[TickResult]:
    world = World.create("baseline", ENGINE_CONFIG, seed=1)
    return world.run(6)


@pytest.fixture
def simulation(db, owner):
    from simulations.models import Agent, Simulation

    sim = Simulation.objects.create(name="history-test", seed=1, ticks_per_day=TICKS_PER_DAY)
    Agent.objects.create(simulation=sim, agent_type="household", engine_id=1, owner=owner)
    Agent.objects.create(simulation=sim, agent_type="firm", engine_id=2, owner=owner)
    Agent.objects.create(simulation=sim, agent_type="household", engine_id=3)
    return sim


@pytest.fixture
def ingest(db) -> Callable[..., None]:
    """Archive engine ticks as the orchestrator does (the test's transaction stands in for
    the orchestrator's), with one orchestrator log line and day-end snapshots."""

    def run(sim, results: list[TickResult]) -> None:
        for result in results:
            day = (result.tick - 1) // TICKS_PER_DAY
            history_ingest_tick(
                simulation_id=sim.pk, day=day, result=result,
                logs=[("warning", f"tick {result.tick} done", {"tick": result.tick})],
            )
            if result.tick % TICKS_PER_DAY == 0:
                history_ingest_snapshots(
                    simulation_id=sim.pk, day=day, tick=result.tick,
                    rows=[("household", i, {"deposits": 100 * i}, {"employed": i % 2 == 0})
                          for i in range(5)] + [("firm", 2, {"deposits": 7}, {"price": 650})],
                )

    return run


@pytest.fixture
def archived(simulation, ingest, world_ticks):
    """The simulation with its first four ticks archived (two more are kept for appending)."""
    ingest(simulation, world_ticks[:4])
    return simulation


@pytest.fixture
def client_for():
    from rest_framework.test import APIClient

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def history_url(sim, table: str) -> str:
    return f"/api/simulations/{sim.pk}/history/{table}/"
