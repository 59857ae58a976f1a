"""The mutable per-world context the phases work on: config, seed, state, ledger, decisions,
and the named values one phase of a tick hands to a later one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import Config
from .ledger import Acct, Ledger, TransactionKind, post
from .rng import Stream, stream
from .schema import Decisions
from .state import State
from .trades import TradeLog


@dataclass
class UnitFlows:
    """Goods units that entered or left inventories this tick (for the goods invariant I7)."""

    production: int = 0  # P5 (tick 0: genesis)
    government: int = 0  # P6, bought by the government
    households: int = 0  # P6, bought by households
    write_offs: int = 0  # P6, perished unsold
    capital_installed: int = 0  # P6 (model v2): capital-goods units sold to firms, installed
    capital_scrapped: int = 0  # P6 (model v2): capital units depreciated away


@dataclass
class Handoffs:
    """Values one phase computes for a later phase of the same tick; fresh every tick."""

    # P0 -> P7(3): per-household transfer of the active income shocks (negative: a levy).
    income_shock: np.ndarray | None = None
    # P5 -> end-of-tick I9 check: sum of w_j * N_j the firms must have paid.
    wage_bill_expected: int | None = None
    # P8 -> aggregates: firms and banks resolved this tick.
    bankruptcies: int = 0
    bank_failures: int = 0
    units: UnitFlows = field(default_factory=UnitFlows)
    trades: TradeLog = field(default_factory=TradeLog)


@dataclass
class Context:
    cfg: Config
    seed: int
    s: State
    ledger: Ledger = field(default_factory=Ledger)
    # Validated script decisions of this tick, one typed record per agent.
    decisions: Decisions = field(default_factory=Decisions)
    handoffs: Handoffs = field(default_factory=Handoffs)

    @property
    def sim(self) -> bool:
        return self.cfg.mode == "sim"

    @property
    def t(self) -> int:
        return self.s.tick

    def rng(self, purpose: Stream, index: int = 0) -> np.random.Generator:
        return stream(self.seed, self.s.tick, purpose, index)

    def post(self, kind: TransactionKind, src_acct: Acct, dst_acct: Acct, src: Any, dst: Any,
             amount: Any, new_bank: np.ndarray | None = None) -> None:
        post(self.s, self.ledger, kind, src_acct, dst_acct, src, dst, amount, new_bank)
