"""The World's public surface: seeds, tick results (log, audit, postings, timing), the
order decisions are validated in, and what a bank script's caps are measured against."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.engine import ConfigError, World
from simulations.engine.decisions import agent_count, decision_context, validate_all
from simulations.engine.invariants import net_worth
from simulations.engine.money import ceil_ppm, to_ppm
from simulations.tests.engine.worlds import small


@pytest.mark.parametrize("seed", [0, 1, 2**63 - 1])
def test_seeds_from_zero_to_two_to_the_63_are_accepted(seed: int) -> None:
    world = World.create("baseline", small(), seed=seed)
    assert world.seed == seed and world.tick == 0


@pytest.mark.parametrize("seed", [-1, 2**63, True, 1.0, "1", None])
def test_other_seeds_are_refused(seed: object) -> None:
    with pytest.raises(ConfigError) as err:
        World.create("baseline", small(), seed=seed)
    assert (err.value.field, err.value.rule) == ("seed", "int in [0, 2^63) required")


def test_run_returns_one_result_per_tick_in_order() -> None:
    world = World.create("baseline", small(), seed=1)
    results = world.run(3)
    assert [r.tick for r in results] == [1, 2, 3] == [r.aggregates["tick"] for r in results]
    assert world.tick == 3 and world.run(0) == []
    assert all(r.seconds > 0 for r in results)
    assert results[-1].state_hash == world.state_hash()
    assert world.config.n_firms == 12


def test_the_log_names_the_bankruptcies_of_a_tick() -> None:
    world = World.create("baseline", small(), seed=1)
    world.step()
    quiet = world.step()
    assert quiet.aggregates["bankruptcies"] == 0 and quiet.log == []
    dumping = world.step({("firm", 0): {"price_cents": 1}, ("firm", 1): {"price_cents": 1}})
    dumping = world.step({("firm", 0): {"price_cents": 1}, ("firm", 1): {"price_cents": 1}})
    for _ in range(20):
        if dumping.aggregates["bankruptcies"]:
            break
        dumping = world.step({("firm", 0): {"price_cents": 1}, ("firm", 1): {"price_cents": 1}})
    n = dumping.aggregates["bankruptcies"]
    assert n > 0
    assert dumping.log == [f"tick {dumping.tick}: {n} bankruptcies"]


def test_postings_are_the_ledger_batches_with_their_accounts() -> None:
    result = World.create("baseline", small(), seed=1).step()
    wages = [p for p in result.postings if p["kind"] == "WAGE"]
    assert wages and all(p["phase"] == "P5" for p in wages)
    assert wages[0]["src_account"] == "dep_f" and wages[0]["dst_account"] == "dep_h"
    assert all(len(p["src"]) == len(p["dst"]) == len(p["amount"]) for p in result.postings)
    phases = [p["phase"] for p in result.postings]
    assert phases == sorted(phases, key=lambda x: (int(x[1:].rstrip("b")), x))


def test_the_audit_closes_every_tfm_row_and_sector_saving_matches_net_worth() -> None:
    world = World.create("baseline", small(), seed=2)
    world.step()
    before = {k: int(v.sum()) for k, v in net_worth(world.ctx.s).items()}
    result = world.step()
    after = {k: int(v.sum()) for k, v in net_worth(world.ctx.s).items()}
    saving = result.audit["sector_saving"]
    assert saving == {k: after[k] - before[k] for k in after}
    real = {"INVENTORY_ADD", "INVENTORY_COGS", "INVENTORY_SPOILAGE", "INVENTORY_HAIRCUT"}
    for kind, row in result.audit["tfm"].items():
        if kind not in real:
            assert sum(row.values()) == 0, kind
    assert result.audit["tfm"]["WAGE"]["household"] > 0


def test_the_previous_closing_balances_are_kept_for_the_tick() -> None:
    world = World.create("baseline", small(), seed=1)
    world.step()
    s = world.ctx.s
    dep_h, dep_f = s.h.dep.copy(), s.f.dep.copy()
    nw_f = s.f.dep + s.f.X - s.f.loans
    nw_b = s.b.res + s.b.loans + s.b.bills - s.b.dep_liab - s.b.adv
    res, adv, bills, dep_b = s.b.res.copy(), s.b.adv.copy(), s.b.bills.copy(), \
        s.b.dep_liab.copy()
    world.step()
    assert s.h.dep_prev.tolist() == dep_h.tolist() and s.f.dep_prev.tolist() == dep_f.tolist()
    assert s.f.nw_prev.tolist() == nw_f.tolist() and s.b.nw_prev.tolist() == nw_b.tolist()
    assert s.b.res_prev.tolist() == res.tolist() and s.b.adv_prev.tolist() == adv.tolist()
    assert s.b.bills_prev.tolist() == bills.tolist()
    assert s.b.dep_prev.tolist() == dep_b.tolist()


def test_repaid_loans_leave_the_book_and_firms_age() -> None:
    world = World.create("baseline", small(), seed=1)
    results = world.run(3)
    s = world.ctx.s
    assert (s.loans.principal > 0).all()
    assert s.f.age.tolist() == [3] * 12
    written = sum(int(p["amount"].sum()) for r in results[-1:] for p in r.postings
                  if p["kind"] == "WRITE_OFF")
    assert int(s.b.write_offs.sum()) == written


def test_agent_counts_per_type() -> None:
    ctx = World.create("baseline", small(), seed=1).ctx
    assert [agent_count(ctx, t) for t in ("household", "firm", "bank", "central_bank",
                                          "government")] == [300, 12, 3, 1, 1]


def test_a_bank_script_sees_its_rate_and_excess_reserves_over_the_target() -> None:
    world = World.create("baseline", small(), seed=1)
    world.step()
    ctx, s = world.ctx, world.ctx.s
    for k in range(3):
        dc = decision_context(ctx, "bank", k)
        floor = ceil_ppm(int(s.b.dep_liab[k]), to_ppm(world.config.lr_target0))
        assert dc.excess_reserves_cents == max(0, int(s.b.res[k]) - floor)
        assert dc.own_loan_rate == float(s.b.i_l[k])
    s.b.res[1] = 0
    assert decision_context(ctx, "bank", 1).excess_reserves_cents == 0
    firm = decision_context(ctx, "firm", 2)
    assert list(firm.own_worker_ids) == np.flatnonzero(s.h.employer == 2).tolist()
    assert firm.n_households == 300 and firm.active_bank_ids == (0, 1, 2)
    assert firm.avg_wage_cents == world.aggregates()["avg_wage"]
    assert firm.policy_rate == float(s.cb.i_cb[0]) and firm.z_c == 2 and firm.chi_l == 3


def test_decisions_are_checked_in_agent_order_and_bad_refs_reported_first() -> None:
    ctx = World.create("baseline", small(), seed=1).ctx
    raw = {("household", 5): {"consume_share": 2.0}, ("firm", 11): {"price_cents": 5},
           ("bank", 3): {}, ("firm", 12): {}, ("firm", -1): {}, ("firm", 0): {},
           ("government", 1): {}, ("central_bank", 0): {"policy_rate": 0.01},
           "household": {}, ("household", 299): {"consume_cents": 7}}
    accepted, rejected = validate_all(ctx, raw)
    assert [r["agent"] for r in rejected] == ["household:None", "bank:3", "firm:-1", "firm:12",
                                              "government:1", "household:5"]
    assert rejected[-1]["field"] == "consume_share" and rejected[-1]["tick"] == 1
    assert all(r["rule"] == "unknown agent" and r["value"] is None for r in rejected[:-1])
    assert sorted(accepted.firm) == [0, 11] and accepted.firm[11].price_cents == 5
    assert accepted.household[299].consume_cents == 7 and 5 not in accepted.household
    assert accepted.central_bank[0].policy_rate == 0.01
