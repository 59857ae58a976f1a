"""Small running worlds for the orchestrator tests (200 households: a tick takes ~25 ms)."""

from __future__ import annotations

from typing import Any

import pytest

SMALL = {"n_households": 200, "n_firms": 10, "n_banks": 3}


def make_simulation(name: str = "test-world", *, seed: int = 7, ticks_per_day: int = 4,
                    status: str = "running", **extra: Any):
    from simulations.services import simulation_create

    return simulation_create(name=name, config={**SMALL, **extra}, seed=seed,
                             ticks_per_day=ticks_per_day, status=status)


def engine_hashes(ticks: int, *, seed: int = 7, **extra: Any) -> list[str]:
    """State hashes of the same world stepped by the engine alone (no Django, no scripts), at
    the model version a new simulation gets."""
    from simulations.engine import World
    from simulations.models import NEW_WORLD_MODEL

    world = World.create("baseline", {**SMALL, "model_version": NEW_WORLD_MODEL, **extra}, seed)
    return [world.step().state_hash for _ in range(ticks)]


@pytest.fixture
def simulation(db):
    return make_simulation()
