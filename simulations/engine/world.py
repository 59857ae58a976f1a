"""The World: create, step one tick through P0-P10, observe, audit, serialise."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import genesis, invariants, observations, serialize, shocks
from .aggregates import publish
from .balance import balance_sheet
from .config import Config
from .context import Context, Handoffs
from .decisions import agent_count, validate_all
from .errors import ConfigError
from .phases import (
    bankruptcy,
    credit,
    goods,
    labour,
    money_market,
    ownership,
    plans,
    policy,
    production,
    settlement,
)
from .rng import MAX_SHOCKS
from .schema import AGENT_TYPES
from .state import State

AgentRef = tuple[str, int]

PHASES = (
    ("P1", policy.run), ("P2", plans.run), ("P3", credit.run), ("P4", labour.run),
    ("P5", production.run), ("P6", goods.run), ("P7", settlement.run),
    ("P8", bankruptcy.run), ("P9", shocks.run), ("P9b", money_market.clear),
)


@dataclass
class TickResult:
    """Everything one tick produced; ledger batches are columnar (one per phase and kind)."""

    tick: int
    aggregates: dict[str, Any]
    postings: list[dict[str, Any]]
    trades: dict[str, dict[str, np.ndarray]]
    audit: dict[str, Any]
    state_hash: str
    rejected: list[dict[str, Any]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0


class World:
    """One economy. Construct with `World.create` or `World.from_bytes`."""

    def __init__(self, ctx: Context, scenario: str = "baseline") -> None:
        self.ctx = ctx
        self.scenario = scenario

    # -- construction --------------------------------------------------------------------
    @classmethod
    def create(cls, scenario: str = "baseline", config_overrides: dict[str, Any] | None = None,
               seed: int = 0) -> World:
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
            raise ConfigError("seed", "int in [0, 2^63) required")
        cfg = Config.build(scenario, config_overrides)
        state = State(cfg.n_households, cfg.n_firms, cfg.n_banks, v2=cfg.v2)
        ctx = Context(cfg=cfg, seed=seed, s=state)
        genesis.initialise(ctx)
        invariants.check_stocks(ctx)
        ctx.ledger.clear()
        return cls(ctx, scenario)

    @property
    def tick(self) -> int:
        """The last completed tick (0 right after creation)."""
        return self.ctx.s.tick

    @property
    def config(self) -> Config:
        return self.ctx.cfg

    @property
    def seed(self) -> int:
        return self.ctx.seed

    # -- stepping ------------------------------------------------------------------------
    def step(self, decisions: dict[AgentRef, Any] | None = None) -> TickResult:
        """Advance one tick. `decisions` are raw script outputs keyed by (agent_type, id)."""
        started = time.perf_counter()
        ctx = self.ctx
        s = ctx.s
        accepted, rejected = validate_all(ctx, decisions or {})
        s.tick += 1
        ctx.ledger.clear()
        ctx.handoffs = Handoffs()
        ctx.decisions = accepted
        self._freeze_previous()
        ctx.handoffs.income_shock = shocks.income_transfers(ctx)
        start = invariants.snapshot(ctx)
        for name, run in PHASES:
            ctx.ledger.phase = name
            if ctx.cfg.check_every_phase:
                snap = invariants.snapshot(ctx)
                run(ctx)
                invariants.check_stocks(ctx)
                invariants.check_flows(ctx, snap)
            else:
                run(ctx)
        ctx.ledger.phase = "P10"
        invariants.check_stocks(ctx)
        audit = invariants.check_flows(ctx, start)
        invariants.check_end(ctx, start)
        self._end_of_tick()
        agg = publish(ctx)
        digest = self.state_hash()
        audit["invariants"] = {f"I{i}": True for i in range(1, 10)}
        return TickResult(
            tick=s.tick, aggregates=agg, postings=self._postings(),
            trades=ctx.handoffs.trades.collect(),
            audit=audit, state_hash=digest, rejected=rejected,
            log=[f"tick {s.tick}: {agg['bankruptcies']} bankruptcies"]
            if agg["bankruptcies"] else [],
            seconds=time.perf_counter() - started)

    def run(self, ticks: int) -> list[TickResult]:
        return [self.step() for _ in range(ticks)]

    # -- orchestrator helpers ------------------------------------------------------------
    def agent_refs(self, agent_type: str) -> list[AgentRef]:
        """Every agent of a type as (agent_type, id), ids 0..n-1 in order."""
        if agent_type not in AGENT_TYPES:
            raise ConfigError("agent_type", f"one of {list(AGENT_TYPES)} required")
        return [(agent_type, i) for i in range(agent_count(self.ctx, agent_type))]

    def observations(self, agent_refs: Iterable[AgentRef]) -> dict[AgentRef, dict[str, Any]]:
        """Observations for the scripts deciding tick `self.tick + 1` (data of the last tick)."""
        refs = list(agent_refs)
        for agent_type, agent_id in refs:
            if agent_type not in AGENT_TYPES or not 0 <= agent_id < agent_count(self.ctx,
                                                                               agent_type):
                raise ConfigError("agent_ref", f"unknown agent {agent_type}:{agent_id}")
        return observations.build(self.ctx, refs)

    def balance_sheet(self, agent_ref: AgentRef) -> dict[str, int]:
        """Stocks of one agent in cents (inventory also in units)."""
        return balance_sheet(self.ctx, agent_ref)

    def add_shock(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Validate and queue an admin shock; raises ConfigError naming the field."""
        s = self.ctx.s
        shock = shocks.validate_shock(spec, len(s.h), len(s.f), s.tick)
        if len(s.shocks) >= MAX_SHOCKS:  # each queued shock owns numbered rng streams
            raise ConfigError("shock", f"at most {MAX_SHOCKS} shocks can be queued")
        s.shocks.append(shock)
        return dict(shock)

    def aggregates(self) -> dict[str, Any]:
        """Public data of the last completed tick (what scripts see as `public`)."""
        return observations.public_data(self.ctx)

    def state_hash(self) -> str:
        return serialize.state_hash(self.ctx, self.scenario)

    def to_bytes(self) -> bytes:
        return serialize.to_bytes(self.ctx, self.scenario)

    @classmethod
    def from_bytes(cls, data: bytes) -> World:
        ctx, scenario = serialize.from_bytes(data)
        return cls(ctx, scenario)

    def _freeze_previous(self) -> None:
        """P0: keep closing balances of t-1 (interest base, pro-rata weights, E_new)."""
        s = self.ctx.s
        s.h.dep_prev = s.h.dep
        s.f.dep_prev = s.f.dep
        s.f.nw_prev = invariants.firm_net_worth(s)
        s.b.res_prev = s.b.res
        s.b.adv_prev = s.b.adv
        s.b.bills_prev = s.b.bills
        s.b.dep_prev = s.b.dep_liab
        s.b.nw_prev = s.b.res + s.b.loans + s.b.bills - s.b.dep_liab - s.b.adv
        s.b.write_offs[:] = 0

    def _end_of_tick(self) -> None:
        s = self.ctx.s
        s.loans.keep(s.loans.principal > 0)
        s.f.age += 1
        for batch in self.ctx.ledger.batches:
            if batch.kind.name == "WRITE_OFF":
                np.add.at(s.b.write_offs, batch.src, batch.amount)
        if s.v2:
            s.h.equity = ownership.equity_values(s)

    def _postings(self) -> list[dict[str, Any]]:
        return [{"phase": b.phase, "kind": b.kind.name, "src_account": b.kind.value.src.value,
                 "dst_account": b.kind.value.dst.value, "src": b.src, "dst": b.dst,
                 "amount": b.amount} for b in self.ctx.ledger.batches]
