"""The aggregates of a tick: each figure from the agents' rows, inflation over the configured
year, the bounded history the rules read, and the SIM-unit view."""

from __future__ import annotations

import pytest

from simulations.engine import World
from simulations.engine.aggregates import (
    MONEY_AGGREGATES,
    SHARED_WITH_PUBLIC,
    SIM_UNIT,
    V2_AGGREGATES,
    sim_units,
)
from simulations.tests.engine.worlds import small


@pytest.fixture(scope="module")
def ran() -> tuple[World, list[dict]]:
    world = World.create("baseline", small(), seed=5)
    return world, [r.aggregates for r in world.run(6)]


def test_each_figure_adds_up_the_agents_rows(ran: tuple[World, list[dict]]) -> None:
    world, aggs = ran
    s, agg = world.ctx.s, aggs[-1]
    h, f, b, g = s.h, s.f, s.b, s.g
    employed = int((h.employer >= 0).sum())
    participants = int(h.participate.sum())
    taxes = int(h.tax_paid.sum()) + int(f.tax.sum()) + int(b.tax.sum())
    assert agg["tick"] == 6
    assert agg["gdp"] == int(f.revenue.sum()) and agg["gdp_real"] == int(f.sales.sum())
    assert agg["cpi"] == agg["gdp"] / agg["gdp_real"]
    assert agg["deposits"] == agg["household_deposits"] + agg["firm_deposits"]
    assert agg["household_deposits"] == int(h.dep.sum())
    assert agg["taxes"] == taxes > int(h.tax_paid.sum())
    assert agg["employment"] == employed and agg["participants"] == participants
    assert agg["unemployment_rate"] == 1.0 - employed / participants
    assert agg["vacancy_rate"] == int(f.vacancies.sum()) / participants
    assert agg["avg_wage"] == round(float(h.wage[h.employer >= 0].mean()))
    assert agg["bank_net_worth"] == int((b.res + b.loans + b.bills - b.dep_liab - b.adv).sum())
    assert agg["government_deficit"] == (
        agg["government_spending"] + int(g.benefits[0]) + int(g.interest[0])
        + int(h.inc_transfer.sum()) - taxes - max(int(s.cb.profit[0]), 0))
    assert agg["dividends"] == int(f.dividends.sum()) + int(b.dividends.sum())
    assert agg["loans"] == int(b.loans.sum()) and agg["government_debt"] == int(g.bills[0])
    assert agg["avg_price"] == float(f.price.mean())
    assert set(MONEY_AGGREGATES) - set(V2_AGGREGATES) <= set(agg)
    assert not set(V2_AGGREGATES) & set(agg)  # a v1 world publishes what it always did


def test_a_v2_world_adds_capital_investment_and_equity_figures() -> None:
    world = World.create("baseline", small(model_version="v2"), seed=5)
    agg = world.run(6)[-1].aggregates
    s = world.ctx.s
    f, h = s.f, s.h
    cons = f.sector == 0
    assert set(MONEY_AGGREGATES) <= set(agg) and set(V2_AGGREGATES) <= set(agg)
    assert agg["investment"] == int(f.investment.sum()) > 0
    assert agg["investment_units"] == int(f.inv_units[cons].sum()) > 0
    assert agg["capital_units"] == int(f.k.sum()) and agg["capital_value"] == int(f.K.sum())
    assert agg["depreciation"] == int(f.depreciation.sum()) > 0
    assert agg["equity_value"] == int(h.equity.sum()) > 0
    # The CPI is over consumption goods; GDP adds the capital goods sold.
    assert agg["cpi"] == int(f.revenue[cons].sum()) / int(f.sales[cons].sum())
    assert agg["gdp"] == int(f.revenue.sum()) > int(f.revenue[cons].sum())
    public = world.aggregates()
    assert public["investment"] == agg["investment"]
    assert public["capital_price"] == agg["capital_price"] > 0


def test_inflation_compares_with_the_cpi_one_tick_and_one_year_back(
        ran: tuple[World, list[dict]]) -> None:
    _, aggs = ran
    cpi = [a["cpi"] for a in aggs]
    assert aggs[-1]["inflation_tick"] == pytest.approx(cpi[-1] / cpi[-2] - 1.0, rel=1e-12)
    assert aggs[-1]["inflation_4t"] == pytest.approx(cpi[-1] / cpi[-5] - 1.0, rel=1e-12)
    wages = [a["avg_wage"] for a in aggs]
    assert aggs[-1]["wage_inflation_4t"] == pytest.approx(wages[-1] / wages[-5] - 1.0,
                                                          rel=1e-12)


def test_public_data_shares_the_aggregates_of_the_tick(ran: tuple[World, list[dict]]) -> None:
    world, aggs = ran
    public = world.aggregates()
    for key in SHARED_WITH_PUBLIC:
        assert public[key] == aggs[-1][key], key
    b, stored = world.ctx.s.b, world.ctx.s.public
    loans = b.loans.astype(float)
    assert stored["lr_target"] == pytest.approx(float(b.res.sum() / b.dep_liab.sum()))
    assert stored["cr_target"] == pytest.approx(
        float((b.res + b.loans + b.bills - b.dep_liab - b.adv).sum() / loans.sum()))
    assert public["avg_i_L"] == pytest.approx(float((b.i_l * loans).sum() / loans.sum()))
    assert public["benefit"] == aggs[-1]["avg_wage"] * 400_000 // 1_000_000


@pytest.mark.parametrize(("ticks_per_year", "kept"), [(1, 8), (4, 8), (6, 12), (12, 24)])
def test_the_history_keeps_two_years_and_at_least_eight_ticks(ticks_per_year: int,
                                                              kept: int) -> None:
    world = World.create("baseline", small(ticks_per_year=ticks_per_year), seed=1)
    for tick in range(1, kept + 4):
        world.step()
        history = world.ctx.s.history
        assert {len(v) for v in history.values()} == {min(tick + 1, kept)}  # tick 0 counts
    assert world.ctx.s.history["cpi"][-1] == world.aggregates()["cpi"]


def test_inflation_over_a_year_of_monthly_ticks_looks_twelve_ticks_back() -> None:
    world = World.create("baseline", small(ticks_per_year=12), seed=1)
    aggs = [r.aggregates for r in world.run(14)]
    cpi = [a["cpi"] for a in aggs]
    assert aggs[-1]["inflation_4t"] == pytest.approx(cpi[-1] / cpi[-13] - 1.0, rel=1e-12)


def test_sim_units_are_millions_of_cents() -> None:
    agg = {"tick": 3, "gdp": 25 * SIM_UNIT + 500_000, "consumption": 5 * SIM_UNIT // 2,
           "government_spending": SIM_UNIT + 250_000, "taxes": 7,
           "disposable_income": -SIM_UNIT - 500_000, "household_deposits": 3 * SIM_UNIT + 1,
           "government_debt": 1_750_000}
    assert sim_units(agg) == {"tick": 3, "output": 25.5, "consumption": 2.5,
                              "government": 1.25, "taxes": 7e-6, "disposable_income": -1.5,
                              "household_money": 3.000001, "government_debt": 1.75}
