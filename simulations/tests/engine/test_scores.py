"""Scores (`simulations/engine/scores.py`): the formulas on numbers worked by hand, and the
inputs a stepped world gives against its own balance sheets and failure counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations.engine import World
from simulations.engine.invariants import net_worth
from simulations.engine.scores import (
    BETA,
    THETA,
    TickInputs,
    day_score,
    household_day_score,
    inputs_from_postings,
    lower_median,
    score_series,
    tick_score_inputs,
)
from simulations.tests.engine.worlds import small


def _batch(kind: str, phase: str, src: list[int], dst: list[int], amount: list[int]) -> dict:
    return {"kind": kind, "phase": phase, "src": np.array(src), "dst": np.array(dst),
            "amount": np.array(amount)}


# Two households, three firms, two banks. Worked by hand:
#   firm 0 pays a dividend of 100                       -> change -100, score 100 - 100 = 0
#   household 0 buys 300 from firm 1, cost 200          -> change +100, score 100
#   firm 2 fails: recapitalised 400, 50 written off     -> change +450, injections 450,
#       net worth before the tick [1100, 400, 1550], lower median 1100, penalty 2 x 1100:
#       score 450 - 450 - 2200 = -2200
#   bank 0 pays a dividend of 80 and loses the 50       -> change -130, score 80 - 130 = -50
#   bank 1 is bailed in for 600                         -> before [5130, 6400], lower median
#       5130, penalty 10260: score 600 - 600 - 10260 = -10260
POSTINGS = [
    _batch("CONSUMPTION", "P6", [0], [1], [300]),
    _batch("INVENTORY_COGS", "P6", [1], [1], [200]),
    _batch("FIRM_DIVIDEND", "P7", [0], [0], [100]),
    _batch("BANK_DIVIDEND", "P7", [0], [1], [80]),
    _batch("RECAP", "P8", [0], [2], [400]),
    _batch("WRITE_OFF", "P8", [0], [2], [50]),
    _batch("BAIL_IN", "P8", [1], [1], [600]),
    _batch("DEPOSIT_SWITCH", "P7", [1], [1], [999]),  # moves no net worth
]
NW_END = {"household": np.array([10_000, 20_000]), "firm": np.array([1000, 500, 2000]),
          "bank": np.array([5000, 7000])}


def test_firm_and_bank_scores_worked_by_hand() -> None:
    inputs = inputs_from_postings(POSTINGS, NW_END)
    firm, bank = inputs["firm"], inputs["bank"]
    assert firm.nw_change_cents.tolist() == [-100, 100, 450]
    assert firm.dividends_cents.tolist() == [100, 0, 0]
    assert firm.injections_cents.tolist() == [0, 0, 450]
    assert firm.failed.tolist() == [False, False, True]
    assert firm.penalty_cents.tolist() == [0, 0, 2200]
    assert firm.cents().tolist() == [0, 100, -2200]
    assert bank.nw_change_cents.tolist() == [-130, 600]
    assert bank.failed.tolist() == [False, True]
    assert bank.cents().tolist() == [-50, -10260]
    assert bank.cents().dtype == np.int64


def test_household_inputs_worked_by_hand() -> None:
    household = inputs_from_postings(POSTINGS, NW_END)["household"]
    # household 0: -300 consumption, -400 recap, +100 dividend; household 1: -600 bail-in, +80
    assert household.nw_change_cents.tolist() == [-600, -520]
    assert household.consumption_cents.tolist() == [300, 0]
    with pytest.raises(ValueError, match="not in cents"):
        household.cents()


def test_household_day_worked_by_hand() -> None:
    # 4 ticks of 2,000 cents (20 units: ln 21 = 3.044522), wealth 10,000 -> 12,000 cents:
    # 3.044522 x (1 + .99 + .9801 + .970299) = 11.996633
    # 100 x (.99^4 ln 121 - ln 101) = 100 x (0.96059601 x 4.795791 - 4.615121) = -0.830325
    assert household_day_score([2000] * 4, 10_000, 12_000) == pytest.approx(11.166308, abs=1e-6)
    ticks = []
    wealth = 10_000
    for change in (1000, -500, 1000, 500):
        wealth += change
        ticks.append(TickInputs("household", *(np.array([v]) for v in (
            wealth, change, 2000, 0, 0, False, 0))))
    assert wealth == 12_000
    assert day_score(ticks)[0] == pytest.approx(11.166308, abs=1e-6)
    assert round(THETA, 9) == 100.0
    assert BETA == 0.99


def test_household_days_restart_discount_and_wealth_term() -> None:
    def tick(wealth: int, change: int, consumption: int) -> TickInputs:
        return TickInputs("household", *(np.array([v]) for v in (
            wealth, change, consumption, 0, 0, False, 0)))

    day1 = [tick(1100, 100, 500), tick(1000, -100, 700)]
    day2 = [tick(900, -100, 300), tick(1500, 600, 0)]
    series = score_series(day1 + day2, ticks_per_day=2)
    first = household_day_score([500, 700], 1000, 1000)
    second = household_day_score([300, 0], 1000, 1500)
    assert series.cumulative[1, 0] == pytest.approx(first)
    assert series.total[0] == pytest.approx(first + second)
    # Mid-day: after the first tick of day 2, the day so far as if it ended there.
    assert series.cumulative[2, 0] == pytest.approx(
        first + household_day_score([300], 1000, 900))
    # A run starting at the 2nd tick of a day ends that day after one tick.
    late = score_series(day1[1:] + day2, ticks_per_day=2, first_tick_of_day=2)
    assert late.total[0] == pytest.approx(household_day_score([700], 1100, 1000) + second)
    # Without days the discount runs on: one 4-tick day.
    assert score_series(day1 + day2).total[0] == pytest.approx(
        household_day_score([500, 700, 300, 0], 1000, 1500))
    with pytest.raises(ValueError):
        score_series(day1, ticks_per_day=2, first_tick_of_day=3)
    with pytest.raises(ValueError):
        score_series([])


def test_lower_median_is_an_exact_integer() -> None:
    assert lower_median(np.array([5, 1, 4, 2])) == 2
    assert lower_median(np.array([3, 9, 1])) == 3
    assert lower_median(np.array([2**62, 2**62 - 1])) == 2**62 - 1
    assert lower_median(np.array([], dtype=np.int64)) == 0


def test_firm_series_is_the_exact_running_sum_of_ticks() -> None:
    inputs = inputs_from_postings(POSTINGS, NW_END)["firm"]
    series = score_series([inputs, inputs, inputs])
    assert series.cumulative[:, 2].tolist() == [-2200, -4400, -6600]
    assert series.total.tolist() == [0, 300, -6600]
    one = score_series([inputs.agent(1)] * 2)
    assert one.total.tolist() == [200]


def test_world_inputs_follow_its_balance_sheets_and_failures() -> None:
    """Over ticks with firm failures: each agent's change is its net worth's change, the
    failed firms are exactly the engine's bankruptcies, and a failure is a heavy loss."""
    world = World.create("baseline", small(), seed=4)
    for _ in range(5):
        world.step()
    failures = 0
    for t in range(6):
        before = net_worth(world.ctx.s)
        result = world.step({("firm", 1): {"price_cents": 1}} if t < 4 else None)
        inputs = tick_score_inputs(world, result)
        after = net_worth(world.ctx.s)
        for agent_type, got in inputs.items():
            assert (got.net_worth_cents == after[agent_type]).all()
            assert (got.nw_change_cents == after[agent_type] - before[agent_type]).all()
        assert int(inputs["firm"].failed.sum()) == result.aggregates["bankruptcies"]
        assert int(inputs["bank"].failed.sum()) == result.aggregates["bank_failures"]
        failures += result.aggregates["bankruptcies"]
        consumption = sum(int(b["amount"].sum()) for b in result.postings
                          if b["kind"] == "CONSUMPTION")
        assert int(inputs["household"].consumption_cents.sum()) == consumption
        if inputs["firm"].failed.any():
            firm = inputs["firm"]
            worst = firm.cents()[firm.failed].max()
            assert worst < -firm.net_worth_cents[~firm.failed].min()
    assert failures >= 1, "dumping at 1 cent must end in bankruptcy"


def test_inputs_refuse_a_world_at_another_tick() -> None:
    world = World.create("baseline", small(), seed=1)
    result = world.step()
    world.step()
    with pytest.raises(ValueError, match="tick"):
        tick_score_inputs(world, result)


def test_household_utility_is_in_currency_units() -> None:
    one = household_day_score([100], 0, 0)
    assert one == pytest.approx(math.log(2))
