"""Seeded random streams: a fresh generator per (tick, phase, stream), per §10.3."""

from __future__ import annotations

import numpy as np

# Agent-type codes used inside spawn keys (§14.11).
TYPE_CODES = {"household": 0, "firm": 1, "bank": 2, "central_bank": 3, "government": 4}
SCRIPT_PHASE = 99


def stream(seed: int, tick: int, phase: int, stream_id: int = 0) -> np.random.Generator:
    """A generator that depends only on (seed, tick, phase, stream): nothing to checkpoint."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(tick), int(phase), int(stream_id)))
    return np.random.Generator(np.random.PCG64(ss))


def script_seed(seed: int, tick: int, agent_type: str, agent_id: int) -> int:
    """The rng_seed handed to a script: SeedSequence(seed, spawn_key=(t, 99, type, id))."""
    ss = np.random.SeedSequence(
        int(seed), spawn_key=(int(tick), SCRIPT_PHASE, TYPE_CODES[agent_type], int(agent_id))
    )
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def folded_normal(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    """FN = |N(0, sigma^2)| draws (Caiani's adjustment step)."""
    return np.abs(rng.normal(0.0, sigma, size))
