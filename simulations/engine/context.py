"""The mutable per-world context the phases work on: config, seed, state, ledger, decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import Config
from .ledger import Acct, Ledger, TransactionKind, post
from .rng import Stream, stream
from .state import State


@dataclass
class Context:
    cfg: Config
    seed: int
    s: State
    ledger: Ledger = field(default_factory=Ledger)
    # Validated script decisions of this tick: agent type -> {id: normalized dict}.
    decisions: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    # Scratch values computed in one phase and used in a later one of the same tick.
    scratch: dict[str, Any] = field(default_factory=dict)
    # Unit flows of this tick for the goods invariant (I7).
    units: dict[str, int] = field(default_factory=dict)

    @property
    def sim(self) -> bool:
        return self.cfg.mode == "sim"

    @property
    def t(self) -> int:
        return self.s.tick

    def rng(self, purpose: Stream) -> np.random.Generator:
        return stream(self.seed, self.s.tick, purpose)

    def post(self, kind: TransactionKind, src_acct: Acct, dst_acct: Acct, src: Any, dst: Any,
             amount: Any, new_bank: np.ndarray | None = None) -> None:
        post(self.s, self.ledger, kind, src_acct, dst_acct, src, dst, amount, new_bank)

    def dec(self, agent_type: str) -> dict[int, dict[str, Any]]:
        return self.decisions.get(agent_type, {})
