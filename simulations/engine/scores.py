"""Scores: what each scripted agent type is judged on, per tick and per day (docs/economic-model.md,
"Scores"). Pure Python and NumPy, like the rest of the engine.

The inputs of one tick are flows and levels per agent, in integer cents, taken from the tick's
postings and the net worth after it. Both sources of those give the same numbers:

- in memory, `tick_score_inputs(world, result)` after `World.step`;
- from the archive, `inputs_from_postings(postings, net_worth_end)` with the tick's ledger rows
  (grouped as the engine's posting batches) and the net worth after the tick, which the
  archive rebuilds from the day-end balance sheets minus the later ticks' flows.

`day_score` / `score_series` turn a sequence of one day's (or several days') tick inputs into
scores. A score is not money: households score in utility (a float); firms and banks in
integer cents.

Households, day of T ticks, consumption c_k (cents) at its k-th tick, deposits W_0 before the
day and W_T after it:

    S = sum_{k=1..T} beta^(k-1) u(c_k) + theta (beta^T v(W_T) - v(W_0))
    u(c) = ln(1 + c / 100)      v(W) = ln(1 + max(W, 0) / 100)      (in currency units)
    beta = 0.99 per tick, theta = 1 / (1 - beta) = 100

Firms and banks, per tick t (integer cents):

    s_t = dividends paid + (NW_t - NW_{t-1}) - capital put in by others at a resolution
          - failed_t * 2 * max(0, lower median over the type of NW_{t-1})

The capital put in by others: a firm's recapitalisation (RECAP) and the debt written off in its
favour (WRITE_OFF); a bank's bail-in (BAIL_IN, BAIL_IN_F) and the government's capital
transfer (CAPITAL_TRANSFER). A firm has failed at t when the P8 resolution posted on it; a bank
when it was bailed in or out. A window of days scores the sum of its days' scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .invariants import net_worth
from .ledger import ACCT_SECTOR, TransactionKind

SCORED_TYPES = ("household", "firm", "bank")

# Households.
BETA = 0.99  # discount factor per tick
THETA = 1.0 / (1.0 - BETA)  # weight of the wealth term: the value of wealth to a log consumer
UTILITY_UNIT_CENTS = 100  # utility is taken of currency units, not cents
# Firms and banks: a failure costs this many times the type's lower-median net worth.
FAILURE_PENALTY_MEDIANS = 2

_DIVIDEND = {"firm": "FIRM_DIVIDEND", "bank": "BANK_DIVIDEND"}
_INJECTIONS = {"firm": ("RECAP", "WRITE_OFF"),
               "bank": ("BAIL_IN", "BAIL_IN_F", "CAPITAL_TRANSFER")}
# What the P8 resolution of a failed firm posts on it (at least one whenever money moves).
_FIRM_RESOLUTION = ("LOAN_PRINCIPAL", "INVENTORY_HAIRCUT", "WRITE_OFF", "RECAP")
_RESOLUTION_PHASE = "P8"


@dataclass(frozen=True)
class TickInputs:
    """One tick of one agent type, one entry per agent (engine id order), int64 cents.

    `net_worth_cents` is after the tick and `nw_change_cents` the tick's change (so the level
    before it is their difference). Households use `consumption_cents`; firms and banks
    `dividends_cents`, `injections_cents`, `failed` and `penalty_cents` (zeros elsewhere)."""

    agent_type: str
    net_worth_cents: np.ndarray
    nw_change_cents: np.ndarray
    consumption_cents: np.ndarray
    dividends_cents: np.ndarray
    injections_cents: np.ndarray
    failed: np.ndarray  # bool
    penalty_cents: np.ndarray

    def agent(self, agent_id: int) -> TickInputs:
        """The same tick for one agent (arrays of length 1)."""
        sl = slice(agent_id, agent_id + 1)
        return TickInputs(self.agent_type, *(getattr(self, name)[sl] for name in _ARRAYS))

    def cents(self) -> np.ndarray:
        """Firms and banks: the tick's score per agent, in cents."""
        if self.agent_type == "household":
            raise ValueError("a household's score is not in cents")
        return (self.dividends_cents + self.nw_change_cents - self.injections_cents
                - self.penalty_cents)


_ARRAYS = ("net_worth_cents", "nw_change_cents", "consumption_cents", "dividends_cents",
           "injections_cents", "failed", "penalty_cents")


def tick_score_inputs(world: Any, result: Any) -> dict[str, TickInputs]:
    """The score inputs of the tick `World.step` just returned (`world` after that step)."""
    if result.tick != world.tick:
        raise ValueError(f"result of tick {result.tick} with a world at tick {world.tick}")
    return inputs_from_postings(result.postings, net_worth(world.ctx.s))


def lower_median(values: np.ndarray) -> int:
    """The lower median of integers (an integer, exact): the (n-1)//2-th smallest."""
    if len(values) == 0:
        return 0
    return int(np.partition(np.asarray(values, dtype=np.int64), (len(values) - 1) // 2)[
        (len(values) - 1) // 2])


def inputs_from_postings(postings: Sequence[dict[str, Any]],
                         net_worth_end: dict[str, np.ndarray]) -> dict[str, TickInputs]:
    """Score inputs from a tick's posting batches (dicts with `kind`, `phase`, `src`, `dst`,
    `amount`, as in `TickResult.postings`) and each scored type's net worth after the tick."""
    n = {t: len(net_worth_end[t]) for t in SCORED_TYPES}
    zeros = {t: np.zeros(n[t], dtype=np.int64) for t in SCORED_TYPES}
    change = {t: zeros[t].copy() for t in SCORED_TYPES}
    consumption = zeros["household"].copy()
    dividends = {t: zeros[t].copy() for t in SCORED_TYPES}
    injections = {t: zeros[t].copy() for t in SCORED_TYPES}
    failed = {t: np.zeros(n[t], dtype=bool) for t in SCORED_TYPES}
    for batch in postings:
        kind = TransactionKind[str(batch["kind"])]
        spec = kind.value
        src = np.asarray(batch["src"], dtype=np.int64)
        dst = np.asarray(batch["dst"], dtype=np.int64)
        amount = np.asarray(batch["amount"], dtype=np.int64)
        if amount.size == 0:
            continue
        src_type, dst_type = ACCT_SECTOR[spec.src], ACCT_SECTOR[spec.dst]
        for sign, who, ids in ((spec.nw[0], src_type, src), (spec.nw[1], dst_type, dst)):
            if sign and who in change:
                np.add.at(change[who], ids, sign * amount)
        name = kind.name
        if name == "CONSUMPTION":
            np.add.at(consumption, src, amount)
        for agent_type in ("firm", "bank"):
            if name == _DIVIDEND[agent_type]:
                np.add.at(dividends[agent_type], src, amount)
            if name in _INJECTIONS[agent_type]:
                np.add.at(injections[agent_type], dst, amount)
                if agent_type == "bank":
                    failed["bank"][dst] = True
        if str(batch["phase"]) == _RESOLUTION_PHASE and name in _FIRM_RESOLUTION:
            failed["firm"][src if src_type == "firm" else dst] = True
    out = {}
    for agent_type in SCORED_TYPES:
        end = np.asarray(net_worth_end[agent_type], dtype=np.int64)
        penalty = zeros[agent_type].copy()
        if agent_type != "household" and failed[agent_type].any():
            before = end - change[agent_type]
            penalty[failed[agent_type]] = FAILURE_PENALTY_MEDIANS * max(0, lower_median(before))
        out[agent_type] = TickInputs(
            agent_type=agent_type, net_worth_cents=end.copy(),
            nw_change_cents=change[agent_type],
            consumption_cents=consumption if agent_type == "household" else zeros[agent_type],
            dividends_cents=dividends[agent_type], injections_cents=injections[agent_type],
            failed=failed[agent_type], penalty_cents=penalty)
    return out


def _utility(cents: np.ndarray) -> np.ndarray:
    return np.log1p(np.maximum(np.asarray(cents, dtype=np.int64), 0) / UTILITY_UNIT_CENTS)


@dataclass(frozen=True)
class ScoreSeries:
    """Cumulative score after each tick (shape ticks x agents) and the period's total per
    agent. Households: floats; firms and banks: int64 cents."""

    agent_type: str
    cumulative: np.ndarray
    total: np.ndarray


def score_series(ticks: Sequence[TickInputs], ticks_per_day: int | None = None,
                 first_tick_of_day: int = 1) -> ScoreSeries:
    """Scores of a run of consecutive ticks of one agent type (all agents, or one through
    `TickInputs.agent`). Households are scored day by day: the discount and the wealth term
    restart at each day's first tick (`ticks_per_day`; None: the whole run is one day);
    `first_tick_of_day` says where in its day the first tick is (1: it opens a day; a part
    of a day is scored as a day of its own, its discount starting at its first tick). The
    cumulative value after tick k is the sum of the finished days plus the day under way as
    if it ended at k."""
    if not ticks:
        raise ValueError("no ticks to score")
    agent_type = ticks[0].agent_type
    if any(t.agent_type != agent_type for t in ticks):
        raise ValueError("ticks of several agent types")
    if agent_type != "household":
        per_tick = np.stack([t.cents() for t in ticks])
        cumulative = np.cumsum(per_tick, axis=0, dtype=np.int64)
        return ScoreSeries(agent_type, cumulative, cumulative[-1].copy())
    if ticks_per_day is not None and not 1 <= first_tick_of_day <= ticks_per_day:
        raise ValueError("first_tick_of_day must lie in 1..ticks_per_day")
    rows = []
    done = np.zeros(len(ticks[0].net_worth_cents), dtype=np.float64)  # finished days
    utility = np.zeros_like(done)
    k = 0  # ticks of the (part of the) day scored so far
    position = first_tick_of_day - 1  # ticks of the calendar day behind
    start_wealth = ticks[0].net_worth_cents - ticks[0].nw_change_cents
    for tick in ticks:
        if ticks_per_day is not None and position == ticks_per_day:
            done = rows[-1]
            utility = np.zeros_like(done)
            k = position = 0
            start_wealth = tick.net_worth_cents - tick.nw_change_cents
        position += 1
        utility = utility + BETA ** k * _utility(tick.consumption_cents)
        k += 1
        wealth = THETA * (BETA ** k * _utility(tick.net_worth_cents) - _utility(start_wealth))
        rows.append(done + utility + wealth)
    cumulative = np.stack(rows)
    return ScoreSeries(agent_type, cumulative, cumulative[-1].copy())


def day_score(ticks: Sequence[TickInputs]) -> np.ndarray:
    """The score of one whole day (its ticks in order) per agent: float for households,
    int64 cents for firms and banks."""
    return score_series(ticks).total


def household_day_score(consumption_cents: Sequence[int], wealth_before: int,
                        wealth_after: int) -> float:
    """The household formula written out for one household and one day (docs, tests)."""
    total = 0.0
    for k, c in enumerate(consumption_cents):
        total += BETA ** k * math.log1p(max(c, 0) / UTILITY_UNIT_CENTS)
    n = len(consumption_cents)
    return total + THETA * (BETA ** n * math.log1p(max(wealth_after, 0) / UTILITY_UNIT_CENTS)
                            - math.log1p(max(wealth_before, 0) / UTILITY_UNIT_CENTS))
