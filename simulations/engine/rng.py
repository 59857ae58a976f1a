"""Seeded random streams: a fresh generator per (tick, phase, stream).

Every purpose has its own member of `Stream`, and the members' key ranges are checked to be
disjoint when this module is imported: two purposes cannot share a stream by construction.
"""

from __future__ import annotations

from enum import Enum, unique
from itertools import pairwise

import numpy as np

from .errors import EngineError
from .vocabulary import AGENT_TYPE_CODES

SCRIPT_PHASE = 99
# Per-shock streams are families indexed by the shock's position in the queue.
MAX_SHOCKS = 1000
MAX_FIRMS = 100_000  # config n_firms high


@unique
class Stream(Enum):
    """One random purpose: (phase code, first stream id, number of ids it owns)."""

    GENESIS = (0, 0, 1)              # P0 of tick 0: initial employment
    GENESIS_V2 = (0, 1, 1)           # P0 of tick 0, model v2: skills, saving, ownership
    BANK_RATES = (1, 0, 1)           # P1: spreads and deposit rates
    HOUSEHOLD_PLANS = (2, 0, 1)      # P2: reservation wages
    FIRM_PLANS = (2, 1, 1)           # P2: wages, markups, prices
    CREDIT = (3, 0, 1)               # P3: application order, bank samples, switching
    LABOUR = (4, 0, 1)               # P4: turnover, matching, on-the-job search
    GOODS_SEARCH = (6, 0, 1)         # P6: shopping order and sampled sellers
    CAPITAL_SEARCH = (6, 2, 1)       # P6, model v2: buyers' order and sampled suppliers
    SELLER_SWITCH = (6, 1, 1)        # P6: moving the preferred seller
    DEPOSIT_SWITCH = (7, 8, 1)       # P7(8): moving deposits
    ENTRY = (8, 0, MAX_FIRMS)        # P8, model v2: an entrant's owners, one per firm id
    HEALTH_HAZARD = (9, 1, 1)        # P9: background sickness
    SHOCK_TARGETS = (9, 1000, MAX_SHOCKS)  # P9: random_share targets, one per shock
    SHOCK_HEALTH = (9, 2000, MAX_SHOCKS)   # P9: health-shock hazard draws, one per shock
    SCRIPT = (SCRIPT_PHASE, 0, len(AGENT_TYPE_CODES))  # scripts' rng_seed, one id per agent type

    @property
    def phase(self) -> int:
        return self.value[0]

    def key(self, index: int = 0) -> tuple[int, int]:
        """(phase code, stream id) of member `index` of this purpose's family."""
        phase, first, size = self.value
        if not 0 <= index < size:
            raise EngineError(f"random stream {self.name} has no member {index}")
        return phase, first + index


def check_disjoint(streams: type[Enum]) -> None:
    """Refuse any two purposes whose (phase, id) ranges overlap."""
    spans = sorted((m.value[0], m.value[1], m.value[1] + m.value[2], m.name) for m in streams)
    for (phase, _, end, name), (phase2, start2, _, name2) in pairwise(spans):
        if phase == phase2 and start2 < end:
            raise EngineError(f"random streams {name} and {name2} overlap")


check_disjoint(Stream)


def stream(seed: int, tick: int, purpose: Stream, index: int = 0) -> np.random.Generator:
    """A generator that depends only on (seed, tick, purpose): nothing to checkpoint."""
    phase, stream_id = purpose.key(index)
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(tick), phase, stream_id))
    return np.random.Generator(np.random.PCG64(ss))


def script_seed(seed: int, tick: int, agent_type: str, agent_id: int) -> int:
    """The rng_seed handed to a script: SeedSequence(seed, spawn_key=(t, 99, type, id))."""
    phase, type_code = Stream.SCRIPT.key(AGENT_TYPE_CODES[agent_type])  # §14.11
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(tick), phase, type_code,
                                                      int(agent_id)))
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def folded_normal(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    """FN = |N(0, sigma^2)| draws (Caiani's adjustment step)."""
    return np.abs(rng.normal(0.0, sigma, size))
