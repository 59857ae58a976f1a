"""Bankruptcy and resolution: write-offs, haircut, recapitalisation, bail-in, bailout."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.engine import World
from simulations.engine import invariants as inv
from simulations.engine.ledger import Acct, TransactionKind
from simulations.engine.phases import bankruptcy
from simulations.tests.engine.worlds import small


def _dump(world: World, firm: int, ticks: int) -> list:
    return [world.step({("firm", firm): {"price_cents": 1}}) for _ in range(ticks)]


def test_firm_selling_below_cost_is_restructured_with_write_offs_and_new_equity() -> None:
    world = World.create("baseline", small(check_every_phase=True), seed=4)
    for _ in range(5):
        world.step()
    results = _dump(world, 0, 4)
    failed = [r for r in results if r.aggregates["bankruptcies"]]
    assert failed, "dumping at 1 cent must end in bankruptcy"
    kinds = {p["kind"] for p in failed[0].postings if p["phase"] == "P8"}
    # It sold its whole stock at 1 cent, so there is nothing left to haircut.
    assert {"WRITE_OFF", "RECAP"} <= kinds
    assert failed[0].aggregates["bankruptcies"] >= 1
    f = world.ctx.s.f
    assert f.dep[0] + f.X[0] - f.loans[0] >= 0


def test_workers_of_a_failed_firm_are_separated_and_its_price_reset() -> None:
    world = World.create("baseline", small(), seed=4)
    for _ in range(5):
        world.step()
    for _ in range(4):
        if world.step({("firm", 1): {"price_cents": 1}}).aggregates["bankruptcies"]:
            s = world.ctx.s
            assert not (s.h.employer == 1).any()
            assert s.f.price[1] > 1 and s.f.age[1] == 1
            return
    pytest.fail("no bankruptcy")


@pytest.mark.parametrize("resolution", ["bail_in", "bailout"])
def test_insolvent_bank_is_resolved_to_the_minimum_capital_ratio(resolution: str) -> None:
    world = World.create("baseline", small(bank_resolution=resolution), seed=2)
    world.step()
    ctx = world.ctx
    s = ctx.s
    bank = 1
    rows = np.flatnonzero((s.loans.bank == bank) & (s.loans.principal > 0))
    nw = int(s.b.res[bank] + s.b.loans[bank] + s.b.bills[bank] - s.b.dep_liab[bank]
             - s.b.adv[bank])
    # A loss bigger than the bank's equity: write off part of its loans (a legal posting).
    cut = min(int(s.loans.principal[rows[0]]), nw + 1_000_000)
    snap = inv.snapshot(ctx)
    ctx.post(TransactionKind.WRITE_OFF, Acct.LOAN, Acct.LOAN_F, bank, s.loans.firm[rows[0]],
             cut)
    s.loans.principal[rows[0]] -= cut
    assert int(s.b.res[bank] + s.b.loans[bank] + s.b.bills[bank] - s.b.dep_liab[bank]
               - s.b.adv[bank]) < 0
    ctx.ledger.phase = "P8"
    bankruptcy.run(ctx)
    inv.check_stocks(ctx)
    inv.check_flows(ctx, snap)
    nw_after = int(s.b.res[bank] + s.b.loans[bank] + s.b.bills[bank] - s.b.dep_liab[bank]
                   - s.b.adv[bank])
    assert nw_after >= ctx.cfg.cr_min * int(s.b.loans[bank]) - 1
    kinds = {b.kind.name for b in ctx.ledger.batches if b.phase == "P8"}
    assert ("BAIL_IN" in kinds) == (resolution == "bail_in")
    assert ("CAPITAL_TRANSFER" in kinds) == (resolution == "bailout")


def test_taylor_rule_moves_the_policy_rate_with_inflation_and_unemployment() -> None:
    world = World.create("baseline", small(policy_rule="taylor"), seed=3)
    rates = [world.step().aggregates["policy_rate"] for _ in range(30)]
    assert rates[0] == world.config.policy_rate
    assert len(set(rates[10:])) > 1
    assert all(0.0 <= r <= 0.25 for r in rates)
