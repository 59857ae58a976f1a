"""What a script and a balance-sheet page read: every own figure is the agent's stock or flow,
net worth is assets minus liabilities, ratios and counts are derived the documented way."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations.engine import ConfigError, World
from simulations.engine import invariants as inv
from simulations.engine.money import ceil_ppm, to_ppm
from simulations.engine.observation_schema import OWN_FIELDS, PUBLIC_FIELDS
from simulations.engine.rng import script_seed
from simulations.tests.engine.worlds import small


@pytest.fixture(scope="module")
def world() -> World:
    w = World.create("baseline", small(), seed=3)
    w.add_shock({"type": "health", "target": {"ids": [4, 9]}, "start_tick": 2,
                 "duration_ticks": 5})
    w.run(4)
    return w


def _own(world: World, agent_type: str, i: int = 0) -> dict:
    return world.observations([(agent_type, i)])[(agent_type, i)]["own"]


def _edited_world() -> World:
    """A world whose stocks are set by hand to distinct values: every sum and difference of
    two of them is a different number, so a wrong sign or term shows."""
    w = World.create("baseline", small(), seed=2)
    w.step()
    s = w.ctx.s
    s.f.dep[2], s.f.X[2], s.f.x[2], s.f.loans[2] = 1_000_003, 20_011, 7, 300_007
    s.b.res[1], s.b.loans[1], s.b.bills[1] = 5_000_011, 4_000_037, 3_000_071
    s.b.dep_liab[1], s.b.adv[1] = 9_000_101, 400_009
    s.cb.adv[0], s.cb.bills[0], s.cb.res_liab[0], s.cb.ta_liab[0] = 70_001, 900_013, 50_021, 3
    s.g.ta[0], s.g.bills[0] = 123_457, 7_654_321
    s.h.dep[5] = 4_321
    return w


def test_firm_net_worth_is_deposits_plus_inventory_less_loans() -> None:
    w = _edited_world()
    own = _own(w, "firm", 2)
    assert (own["deposits"], own["inventory_value"], own["inventory_units"], own["loans"]) \
        == (1_000_003, 20_011, 7, 300_007)
    assert own["net_worth"] == 1_000_003 + 20_011 - 300_007
    assert w.balance_sheet(("firm", 2)) == {
        "deposits": 1_000_003, "inventory_value": 20_011, "inventory_units": 7,
        "loans": 300_007, "net_worth": 1_000_003 + 20_011 - 300_007}
    assert int(inv.net_worth(w.ctx.s)["firm"][2]) == own["net_worth"]


def test_bank_net_worth_is_reserves_loans_bills_less_deposits_and_advances() -> None:
    w = _edited_world()
    own = _own(w, "bank", 1)
    nw = 5_000_011 + 4_000_037 + 3_000_071 - 9_000_101 - 400_009
    assert (own["reserves"], own["loans"], own["bills"], own["deposits"], own["advances"]) \
        == (5_000_011, 4_000_037, 3_000_071, 9_000_101, 400_009)
    assert own["net_worth"] == nw
    assert own["capital_ratio"] == nw / 4_000_037
    assert own["liquidity_ratio"] == 5_000_011 / 9_000_101
    floor = ceil_ppm(9_000_101, to_ppm(w.config.lr_target0))
    assert own["excess_reserves"] == 5_000_011 - floor
    assert w.balance_sheet(("bank", 1)) == {
        "reserves": 5_000_011, "loans": 4_000_037, "bills": 3_000_071,
        "deposits": 9_000_101, "advances": 400_009, "net_worth": nw}
    assert int(inv.net_worth(w.ctx.s)["bank"][1]) == nw


def test_bank_ratios_are_null_without_loans_or_deposits_and_excess_reserves_not_negative() -> None:
    w = _edited_world()
    s = w.ctx.s
    s.b.loans[1], s.b.dep_liab[1], s.b.res[1] = 0, 0, 0
    own = _own(w, "bank", 1)
    assert own["capital_ratio"] is None and own["liquidity_ratio"] is None
    assert own["excess_reserves"] == 0
    s.b.dep_liab[1], s.b.res[1] = 1_000_000, 1
    assert _own(w, "bank", 1)["excess_reserves"] == 0  # below the target: none, not negative


def test_central_bank_government_and_household_balance_sheets() -> None:
    w = _edited_world()
    assert w.balance_sheet(("central_bank", 0)) == {
        "advances": 70_001, "bills": 900_013, "reserves": 50_021, "treasury_account": 3,
        "net_worth": 70_001 + 900_013 - 50_021 - 3}
    assert w.balance_sheet(("government", 0)) == {
        "treasury_account": 123_457, "bills": 7_654_321, "net_worth": 123_457 - 7_654_321}
    assert w.balance_sheet(("household", 5)) == {"deposits": 4_321, "net_worth": 4_321}
    gov = _own(w, "government")
    assert (gov["treasury_account"], gov["bills_outstanding"], gov["net_worth"]) \
        == (123_457, 7_654_321, 123_457 - 7_654_321)
    cb = _own(w, "central_bank")
    assert (cb["advances"], cb["bills"], cb["reserves"]) == (70_001, 900_013, 50_021)


@pytest.mark.parametrize("ref", [
    ("household", -1), ("household", 300), ("firm", -1), ("firm", 12), ("bank", -1),
    ("bank", 3), ("central_bank", 1), ("government", 1), ("government", -1), ("robot", 0),
])
def test_balance_sheet_and_observations_of_an_unknown_agent_are_refused(ref: tuple) -> None:
    w = World.create("baseline", small(), seed=1)
    with pytest.raises(ConfigError) as err:
        w.balance_sheet(ref)
    assert err.value.field == "agent_ref"
    with pytest.raises(ConfigError) as err:
        w.observations([ref])
    assert (err.value.field, err.value.rule) == ("agent_ref", f"unknown agent {ref[0]}:{ref[1]}")


def test_the_last_agent_of_each_type_can_be_observed() -> None:
    w = World.create("baseline", small(), seed=1)
    refs = [("household", 299), ("firm", 11), ("bank", 2), ("central_bank", 0),
            ("government", 0), ("household", 0), ("firm", 0), ("bank", 0)]
    obs = w.observations(refs)
    assert list(obs) == sorted(refs)
    assert obs[("household", 299)]["own"]["id"] == 299
    assert obs[("firm", 11)]["own"]["id"] == 11 and obs[("bank", 2)]["own"]["id"] == 2
    assert w.agent_refs("firm") == [("firm", i) for i in range(12)]
    assert w.agent_refs("government") == [("government", 0)]
    with pytest.raises(ConfigError) as err:
        w.agent_refs("robot")
    assert err.value.field == "agent_type"


def test_every_observation_carries_the_next_tick_public_data_and_its_seed(world: World) -> None:
    obs = world.observations([("firm", 1), ("household", 2)])
    for (agent_type, i), one in obs.items():
        assert one["tick"] == world.tick + 1 == 5
        assert one["rng_seed"] == script_seed(world.seed, 5, agent_type, i)
        assert one["public"] == world.aggregates()
    assert obs[("firm", 1)]["public"] is obs[("household", 2)]["public"]  # built once


def test_own_and_public_fields_are_exactly_the_documented_ones(world: World) -> None:
    for agent_type in ("household", "firm", "bank", "central_bank", "government"):
        own = _own(world, agent_type)
        assert list(own) == [f.name for f in OWN_FIELDS[agent_type]], agent_type
    assert list(world.aggregates()) == [f.name for f in PUBLIC_FIELDS]


def test_public_data_lists_every_firm_and_bank_offer(world: World) -> None:
    s = world.ctx.s
    pub = world.aggregates()
    assert pub["firm_posted"] == [[j, int(s.f.price[j]), int(s.f.wage[j]),
                                   int(s.f.vacancies[j])] for j in range(12)]
    assert pub["bank_posted"] == [[k, float(s.b.i_l[k]), float(s.b.i_d[k])] for k in range(3)]
    assert pub["loans"] == int(s.b.loans.sum()) > 0
    assert pub["government_debt"] == int(s.g.bills[0])
    assert pub["i_cb"] == float(s.cb.i_cb[0])
    assert isinstance(pub["benefit"], int) and isinstance(pub["cpi"], float)


def test_firm_observation_reads_the_firm_row(world: World) -> None:
    s = world.ctx.s
    f = s.f
    j = int(np.argmax(f.loans))
    own = _own(world, "firm", j)
    assert own["net_worth"] == int(f.dep[j] + f.X[j] - f.loans[j])
    assert own["worker_ids"] == [i for i in range(300) if s.h.employer[i] == j]
    assert own["workers"] == int(f.workers[j]) == len(own["worker_ids"]) > 0
    assert own["productivity"] == world.config.productivity
    assert own["productivity_factor"] == 1.0
    for key, column in (("price", "price"), ("wage_offer", "wage"), ("output", "production"),
                        ("sales_units", "sales"), ("revenue", "revenue"), ("cogs", "cogs"),
                        ("wage_bill", "wage_bill"), ("profit", "profit"), ("age", "age"),
                        ("loan_interest", "loan_interest"), ("dividends", "dividends")):
        assert own[key] == int(getattr(f, column)[j]), key
    contracts = own["loan_contracts"]
    assert contracts and sum(c["principal"] for c in contracts) == own["loans"]
    rows = np.flatnonzero(s.loans.firm == j)
    tpy = world.config.ticks_per_year
    for c, r in zip(contracts, rows, strict=True):
        assert c["bank_id"] == int(s.loans.bank[r])
        assert c["instalment"] == int(s.loans.instalment[r])
        assert c["origination_tick"] == int(s.loans.origin[r]) <= world.tick
        tick_rate = int(s.loans.rate_ppm[r]) / 1e6
        assert c["rate"] == pytest.approx((1 + tick_rate) ** tpy - 1, rel=1e-12)
        assert 0 < tick_rate < c["rate"] < 4 * tick_rate + 1e-4


def test_bank_observation_counts_borrowers_depositors_and_lists_its_contracts(
        world: World) -> None:
    s = world.ctx.s
    for k in range(3):
        own = _own(world, "bank", k)
        rows = np.flatnonzero(s.loans.bank == k)
        assert own["borrowers"] == len({int(x) for x in s.loans.firm[rows]})
        assert own["depositors"] == sum(1 for i in range(300) if s.h.bank[i] == k) \
            + sum(1 for j in range(12) if s.f.bank[j] == k)
        assert [c["firm_id"] for c in own["loan_contracts"]] == [int(s.loans.firm[r])
                                                                 for r in rows]
        assert sum(c["principal"] for c in own["loan_contracts"]) == own["loans"]
        assert own["capital_ratio_target"] == s.public["cr_target"]
        assert own["liquidity_ratio_target"] == s.public["lr_target"]
    assert sum(_own(world, "bank", k)["borrowers"] for k in range(3)) >= 1


def test_household_observation_reads_work_history_and_shocks(world: World) -> None:
    s = world.ctx.s
    sick = _own(world, "household", 4)
    assert sick["health_shock"] is True and sick["employer_id"] is None and sick["wage"] == 0
    assert sick["participating"] is False
    employed = int(np.flatnonzero(s.h.employer >= 0)[0])
    own = _own(world, "household", employed)
    assert own["employer_id"] == int(s.h.employer[employed])
    assert own["wage"] == int(s.h.wage[employed]) > 0
    assert own["health_shock"] is False and own["preference_factor"] == 1.0
    s.h.unemp_hist[employed] = 0b110101  # only the last four ticks count
    assert _own(world, "household", employed)["unemployed_ticks_4"] == 2
    s.h.kappa[employed], s.h.kappa_until[employed] = 1.5, world.tick + 2
    assert _own(world, "household", employed)["preference_factor"] == 1.5
    s.h.kappa_until[employed] = world.tick + 1  # over by the tick being decided
    assert _own(world, "household", employed)["preference_factor"] == 1.0


def test_government_counts_taxes_transfers_and_the_unemployed(world: World) -> None:
    s = world.ctx.s
    gov = _own(world, "government")
    assert gov["taxes"] == int(s.h.tax_paid.sum()) + int(s.f.tax.sum()) + int(s.b.tax.sum())
    assert gov["taxes"] > int(s.h.tax_paid.sum()) > 0
    jobless = sum(1 for i in range(300) if s.h.employer[i] < 0 and s.h.participate[i])
    sick = sum(1 for i in range(300) if s.h.endow[i] == 0)
    assert sick == 2 and gov["unemployed"] == jobless + sick
    assert gov["deficit"] == world.aggregates()["government_deficit"]
    assert gov["purchases"] == int(s.g.spending[0]) > 0
    assert gov["income_tax"] == world.config.income_tax


def test_observation_values_are_plain_json_numbers(world: World) -> None:
    refs = [("household", 0), ("firm", 0), ("bank", 0), ("central_bank", 0),
            ("government", 0)]

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert value is None or type(value) in (int, float, bool), type(value)
            if isinstance(value, float):
                assert math.isfinite(value)

    for one in world.observations(refs).values():
        walk(one)
