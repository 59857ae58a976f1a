"""SIM mode reproduces the SIMEX paths and steady states exactly."""

from __future__ import annotations

import pytest

from simulations.engine import World
from simulations.tests.engine.simex import simex_path

SETS = {
    "A": ({"government_spending": 20, "income_tax": 0.20, "alpha1": 0.6, "alpha2": 0.4}, 100),
    "B": ({"government_spending": 20, "income_tax": 0.25, "alpha1": 0.6, "alpha2": 0.4}, 80),
    "C": ({"government_spending": 25, "income_tax": 0.20, "alpha1": 0.5, "alpha2": 0.2}, 125),
    "D": ({"government_spending": 20, "income_tax": 0.20, "alpha1": 0.7, "alpha2": 0.4}, 100),
    "E": ({"government_spending": 25, "income_tax": 0.20, "alpha1": 0.6, "alpha2": 0.4,
           "initial_household_money": 80, "initial_disposable_income": 80}, 125),
}
UNIT = 1_000_000


def _run(overrides: dict, ticks: int) -> list[dict]:
    world = World.create("sim", overrides, seed=7)
    return [world.step().aggregates for _ in range(ticks)]


@pytest.mark.parametrize("name", sorted(SETS))
def test_sim_set_follows_simex_path_within_bounds(name: str) -> None:
    overrides, _ = SETS[name]
    ref = simex_path(overrides["government_spending"], overrides["income_tax"],
                     overrides["alpha1"], overrides["alpha2"], 200,
                     overrides.get("initial_household_money", 0.0),
                     overrides.get("initial_disposable_income", 0.0))
    aggs = _run(overrides, 200)
    n_h = 1000
    prev_yd = overrides.get("initial_disposable_income", 0.0) * UNIT
    prev_h = overrides.get("initial_household_money", 0.0) * UNIT
    a1, a2, g = overrides["alpha1"], overrides["alpha2"], overrides["government_spending"] * UNIT
    for agg, r in zip(aggs, ref, strict=True):
        assert abs(agg["gdp"] - UNIT * r["y"]) <= 10_000
        assert abs(agg["consumption"] - UNIT * r["c"]) <= 10_000
        assert abs(agg["disposable_income"] - UNIT * r["yd"]) <= 10_000
        assert abs(agg["household_deposits"] - UNIT * r["h"]) <= 20_000
        # One step from the model's own previous state.
        step_y = a1 * prev_yd + a2 * prev_h + g
        assert abs(agg["gdp"] - step_y) <= n_h
        prev_yd, prev_h = agg["disposable_income"], agg["household_deposits"]


@pytest.mark.parametrize("name", sorted(SETS))
def test_sim_set_converges_to_y_star(name: str) -> None:
    overrides, y_star = SETS[name]
    aggs = _run(overrides, 400)
    assert abs(aggs[-1]["gdp"] / UNIT - y_star) / y_star <= 1e-4


def test_sim_reference_values_of_set_a_match_the_model_table() -> None:
    aggs = _run(SETS["A"][0], 50)
    expected = {1: 20, 2: 36, 3: 48.8, 5: 67.232, 10: 89.263, 20: 98.847, 50: 99.999}
    for t, y in expected.items():
        assert aggs[t - 1]["gdp"] / UNIT == pytest.approx(y, abs=0.01)
    h_expected = {1: 16, 2: 28.8, 3: 39.04, 5: 53.786, 10: 71.410, 20: 79.078, 50: 79.999}
    for t, h in h_expected.items():
        assert aggs[t - 1]["household_deposits"] / UNIT == pytest.approx(h, abs=0.02)


def test_sim_exact_accounting_holds_every_tick() -> None:
    world = World.create("sim", {**SETS["D"][0], "check_every_phase": True}, seed=3)
    prev_bills = 0
    for _ in range(60):
        result = world.step()
        agg = result.aggregates
        s = world.ctx.s
        assert agg["gdp"] == agg["consumption"] + agg["government_spending"]
        assert agg["government_debt"] - prev_bills == agg["government_spending"] - agg["taxes"]
        assert int(s.h.dep.sum()) == int(s.cb.bills[0])
        assert int(s.f.profit.sum()) == 0
        assert int(s.b.loans.sum()) == 0 and len(s.loans) == 0
        prev_bills = agg["government_debt"]


def test_sim_set_e_is_within_a_tenth_of_a_percent_from_tick_24() -> None:
    aggs = _run(SETS["E"][0], 30)
    assert abs(aggs[23]["gdp"] / UNIT - 125) / 125 <= 1e-3
    assert abs(aggs[22]["gdp"] / UNIT - 125) / 125 > 1e-3


def test_sim_mode_under_model_v2_is_the_same_economy() -> None:
    """The capital sector, ownership and heterogeneity are off in SIM mode: a v2 SIM world
    follows the v1 SIM path exactly (only the stored config, so the state hash, differs)."""
    config = {"n_households": 50, "initial_household_money": 10.0}
    v1 = World.create("sim", config, seed=3)
    v2 = World.create("sim", {**config, "model_version": "v2"}, seed=3)
    for _ in range(60):
        a, b = v1.step().aggregates, v2.step().aggregates
        assert a == b
