"""The full baseline: 500 ticks with shocks and bankruptcies, every invariant after every phase.

No script forces a failure: firms go bankrupt when unsold perishable output and debt service
push their net worth below zero or an instalment is missed.
"""

from __future__ import annotations

import pytest

from simulations.engine import World
from simulations.tests.engine.worlds import small

SHOCKS = [
    {"type": "unemployment", "target": {"random_share": 0.2}, "start_tick": 40},
    {"type": "income", "target": {"all": True}, "params": {"cents_per_household": 300_000},
     "start_tick": 60, "duration_ticks": 2},
    {"type": "income", "target": {"employed": True},
     "params": {"cents_per_household": -100_000}, "start_tick": 90},
    {"type": "preference", "target": {"random_share": 0.5}, "params": {"factor": 0.7},
     "start_tick": 120, "duration_ticks": 10},
    {"type": "health", "target": {"unemployed": True}, "params": {"hazard": 0.5},
     "start_tick": 150, "duration_ticks": 5},
    {"type": "productivity", "target": {"ids": [3, 4]}, "params": {"factor": 0.3},
     "start_tick": 200, "duration_ticks": 6},
    {"type": "policy_override", "params": {"policy_rate": 0.08, "income_tax": 0.25},
     "start_tick": 250, "duration_ticks": 30},
]


def test_baseline_500_ticks_with_shocks_keeps_every_invariant_and_resolves_bankruptcies(
) -> None:
    world = World.create("baseline", small(check_every_phase=True, health_hazard=0.01), seed=11)
    for spec in SHOCKS:
        world.add_shock(spec)
    bankruptcies = bank_failures = 0
    rates = set()
    for _ in range(500):
        result = world.step()
        assert result.audit["invariants"] == {f"I{i}": True for i in range(1, 10)}
        assert not result.rejected
        bankruptcies += result.aggregates["bankruptcies"]
        bank_failures += result.aggregates["bank_failures"]
        rates.add(result.aggregates["policy_rate"])
        s = world.ctx.s
        assert (s.h.dep >= 0).all() and (s.f.x >= 0).all() and int(s.g.ta[0]) >= 0
    assert bankruptcies >= 5
    assert 0.08 in rates and 0.005 in rates
    assert world.ctx.s.bankruptcies_total == bankruptcies
    assert world.tick == 500


def test_baseline_economy_stays_viable_without_scripts() -> None:
    world = World.create("baseline", small(), seed=4)
    aggs = [world.step().aggregates for _ in range(120)]
    tail = aggs[40:]
    assert all(a["gdp_real"] > 0 for a in tail)
    assert all(0.0 <= a["unemployment_rate"] < 0.5 for a in tail)
    assert all(a["loans"] >= 0 and a["government_debt"] > 0 for a in tail)


def test_income_shock_moves_money_from_the_treasury_to_households() -> None:
    world = World.create("baseline", small(), seed=2)
    world.step()
    world.add_shock({"type": "income", "target": {"ids": [5, 6]},
                     "params": {"cents_per_household": 1_000}, "start_tick": 2})
    result = world.step()
    transfers = [p for p in result.postings if p["kind"] == "GOV_TRANSFER"]
    assert len(transfers) == 1
    assert transfers[0]["dst"].tolist() == [5, 6]
    assert transfers[0]["amount"].tolist() == [1_000, 1_000]
    assert transfers[0]["phase"] == "P7"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_money_aggregates_are_integer_cents(version: str) -> None:
    from simulations.engine import World
    from simulations.engine.aggregates import MONEY_AGGREGATES, V2_AGGREGATES

    world = World.create("baseline", {"n_households": 200, "n_firms": 10, "n_banks": 3,
                                      "model_version": version}, seed=3)
    aggregates = world.step().aggregates
    money = MONEY_AGGREGATES if version == "v2" else MONEY_AGGREGATES - set(V2_AGGREGATES)
    assert set(aggregates) >= money
    assert all(type(aggregates[key]) is int for key in money)


def test_the_banks_average_rates_are_aggregates_of_every_tick() -> None:
    """Archived per tick (the rates chart draws them), equal to what scripts see next tick,
    and they follow a policy rate override through the banks' spread."""
    world = World.create("baseline", {"n_households": 200, "n_firms": 10, "n_banks": 3}, seed=3)
    world.add_shock({"type": "policy_override", "params": {"policy_rate": 0.08},
                     "start_tick": 3, "duration_ticks": 20})
    aggs = [world.step().aggregates for _ in range(12)]
    for agg in aggs:
        assert agg["avg_loan_rate"] > agg["avg_deposit_rate"] >= 0
    public = world.observations([("household", 0)])[("household", 0)]["public"]
    assert public["avg_i_L"] == aggs[-1]["avg_loan_rate"]
    assert public["avg_i_D"] == aggs[-1]["avg_deposit_rate"]
    assert aggs[-1]["avg_loan_rate"] > aggs[0]["avg_loan_rate"]
