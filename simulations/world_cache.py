"""The Redis cache of live worlds (keyed by simulation and tick) and of their public state.

Format: `sim:<id>:world:<tick>` holds `(state_hash, world bytes)` as the engine serialises it;
`sim:<id>:state` holds the JSON-ready public data of the last tick (what `/state/` serves).
A cached world is used only when its hash equals the hash PostgreSQL recorded for that tick's
checkpoint, so a stale entry (left by a crash between commit and cache write, or by a reset)
can never be loaded. Losing every key costs one checkpoint load; nothing is lost.
Keys carry the cache's KEY_PREFIX, so test runs sharing a Redis server never meet.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

from simulations.engine import World


def _world_key(simulation_id: int, tick: int) -> str:
    return f"sim:{simulation_id}:world:{tick}"


def _state_key(simulation_id: int) -> str:
    return f"sim:{simulation_id}:state"


def world_cache_load(*, simulation_id: int, tick: int, state_hash: str) -> World | None:
    entry = cache.get(_world_key(simulation_id, tick))
    if entry is None or entry[0] != state_hash:
        return None
    return World.from_bytes(entry[1])


def world_cache_store(*, simulation_id: int, tick: int, state_hash: str, blob: bytes,
                      state: dict[str, Any]) -> None:
    """Called after the tick's commit; the previous tick's world is dropped (one per sim)."""
    ttl = settings.SIMULATION_CACHE_TTL_SECONDS
    cache.set_many({_world_key(simulation_id, tick): (state_hash, blob),
                    _state_key(simulation_id): state}, timeout=ttl)
    cache.delete(_world_key(simulation_id, tick - 1))


def world_cache_state(*, simulation_id: int) -> dict[str, Any] | None:
    return cache.get(_state_key(simulation_id))


def world_cache_store_state(*, simulation_id: int, state: dict[str, Any]) -> None:
    cache.set(_state_key(simulation_id), state, timeout=settings.SIMULATION_CACHE_TTL_SECONDS)


def world_cache_forget(*, simulation_id: int, ticks: list[int] | tuple[int, ...] = ()) -> None:
    """Drop the public state and the given ticks' worlds (reset, failure, archive)."""
    cache.delete_many([_state_key(simulation_id),
                       *(_world_key(simulation_id, t) for t in ticks)])
