"""A world's model version is fixed when it is created: new simulations get v2, a row created
with v1 (or before the version existed, with no key) keeps v1 rules and replays bit-identically."""

from __future__ import annotations

import pytest

from simulations.engine import World
from simulations.models import NEW_WORLD_MODEL, Checkpoint, Simulation
from simulations.tests.conftest import SMALL, make_simulation

pytestmark = pytest.mark.django_db


def _checkpoint_world(simulation: Simulation) -> World:
    blob = Checkpoint.objects.get(simulation=simulation, tick=0).state
    return World.from_bytes(bytes(blob))


def test_a_new_simulation_runs_model_v2_and_stores_it():
    assert NEW_WORLD_MODEL == "v2"
    simulation = make_simulation("new-world")
    assert simulation.config["model_version"] == "v2"
    world = _checkpoint_world(simulation)
    assert world.config.model_version == "v2"
    assert world.ctx.s.f.sector.sum() > 0  # capital-goods firms exist
    assert world.step().aggregates["investment"] >= 0


def test_the_api_creates_v2_unless_told_otherwise(operator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(operator)
    for name, extra, want in (("api-v2", {}, "v2"), ("api-v1", {"model_version": "v1"}, "v1")):
        response = client.post("/api/simulations/", {
            "name": name, "config": {**SMALL, **extra}, "seed": 2}, format="json")
        assert response.status_code == 201, response.json()
        simulation = Simulation.objects.get(name=name)
        assert simulation.config["model_version"] == want
        assert _checkpoint_world(simulation).config.model_version == want
    bad = client.post("/api/simulations/", {"name": "bad", "config": {
        **SMALL, "model_version": "v3"}}, format="json")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"model_version"}


def test_an_existing_row_without_a_version_stays_v1_and_replays_bit_identically():
    """A row from before v2 has no model_version in its config and a v1 checkpoint."""
    simulation = make_simulation("old-world", model_version="v1")
    Simulation.objects.filter(pk=simulation.pk).update(config=SMALL)  # as stored before v2
    simulation.refresh_from_db()
    world = _checkpoint_world(simulation)
    assert world.config.model_version == "v1"
    plain = World.create("baseline", SMALL, seed=simulation.seed)
    assert world.state_hash() == plain.state_hash()
    assert [world.step().state_hash for _ in range(3)] == \
        [plain.step().state_hash for _ in range(3)]


def test_worlds_made_outside_a_simulation_follow_the_new_model_too():
    """A dry run without an agent and a fresh-world backtest see the rules new simulations
    get, so a script using the new levers is not refused by an older model."""
    from scripts_lib.dry_run import sample_world

    assert sample_world().config.model_version == NEW_WORLD_MODEL
