"""Where a simulation's world comes from (cache, else checkpoint) and what is kept of it."""

from __future__ import annotations

from typing import Any

from simulations.engine import World
from simulations.engine.jsonplain import plain
from simulations.engine.schema import AGENT_TYPES
from simulations.models import Agent, Checkpoint
from simulations.world_cache import world_cache_load


class CheckpointMissing(RuntimeError):
    """The simulation has no checkpoint at its current tick (a bug or a hand-edited row)."""


def world_load(*, simulation_id: int, tick: int) -> tuple[World, str]:
    """The world after `tick` and where it came from ("cache" or "checkpoint").

    The hash PostgreSQL holds for the tick decides whether the cached world may be used."""
    row = (Checkpoint.objects.filter(simulation_id=simulation_id, tick=tick)
           .values_list("state_hash", flat=True).first())
    if row is None:
        raise CheckpointMissing(f"simulation {simulation_id} has no checkpoint at tick {tick}")
    world = world_cache_load(simulation_id=simulation_id, tick=tick, state_hash=row)
    if world is not None:
        return world, "cache"
    state = Checkpoint.objects.values_list("state", flat=True).get(
        simulation_id=simulation_id, tick=tick)
    return World.from_bytes(bytes(state)), "checkpoint"


def public_state(*, simulation_id: int, world: World, state_hash: str) -> dict[str, Any]:
    """The cached public state of the last tick, as `/api/simulations/{id}/state/` serves it."""
    return {"simulation_id": simulation_id, "tick": world.tick, "state_hash": state_hash,
            "public": plain(world.aggregates())}


def snapshot_rows(*, simulation_id: int, world: World) -> list[tuple[str, int, dict, dict]]:
    """Day-end snapshot rows: every agent's balance sheet; the full observation (`own`) only
    for claimed agents, because observing all 10^4 households costs seconds per day."""
    claimed = {(t, i) for t, i in Agent.objects.filter(
        simulation_id=simulation_id, owner__isnull=False).values_list("agent_type", "engine_id")}
    own = {ref: obs["own"] for ref, obs in world.observations(sorted(claimed)).items()}
    return [(ref[0], ref[1], world.balance_sheet(ref), own.get(ref, {}))
            for agent_type in AGENT_TYPES for ref in world.agent_refs(agent_type)]


def claimed_balance_rows(*, simulation_id: int, world: World) -> list[tuple[str, int, dict]]:
    """(agent type, engine id, balance sheet) of every agent that has an owner now: what the
    tick keeps of them every tick (one query; a balance sheet costs microseconds)."""
    claimed = Agent.objects.filter(simulation_id=simulation_id, owner__isnull=False).order_by(
        "agent_type", "engine_id").values_list("agent_type", "engine_id")
    return [(t, i, world.balance_sheet((t, i))) for t, i in claimed]
