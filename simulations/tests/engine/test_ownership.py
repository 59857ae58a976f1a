"""Model v2 ownership and capital: who receives dividends, who owns an entrant, what equity
is worth, and capital's units and book value across a tick."""

from __future__ import annotations

import numpy as np

from simulations.engine import World
from simulations.engine import invariants as inv
from simulations.engine.ledger import Acct, TransactionKind
from simulations.engine.phases import ownership
from simulations.tests.engine.worlds import small

K = TransactionKind


def _world(seed: int = 5) -> World:
    return World.create("baseline", small(model_version="v2"), seed=seed)


def test_owners_are_concentrated_and_every_issuer_is_fully_held() -> None:
    s = World.create("baseline", small(model_version="v2", equity_owners=10), seed=5).ctx.s
    E = s.equity
    held = np.bincount(E.issuer, weights=E.shares, minlength=len(s.f) + len(s.b))
    assert (held == 1000).all()
    per_holder = np.sort(np.bincount(E.holder, weights=E.shares, minlength=len(s.h)))[::-1]
    assert per_holder[: len(per_holder) // 10].sum() > 0.5 * per_holder.sum()
    assert (per_holder == 0).sum() > len(per_holder) // 2  # most hold nothing


def test_dividends_go_to_the_holders_pro_rata_to_their_shares() -> None:
    world = _world()
    ctx = world.ctx
    s = ctx.s
    E = s.equity
    firm = 0
    rows = np.flatnonzero(E.issuer == firm)
    before = s.h.dep.copy()
    amounts = np.zeros(len(s.f), dtype=np.int64)
    amounts[firm] = 1_000_003
    s.h.inc_div[:] = 0
    ownership.pay_dividends(ctx, K.FIRM_DIVIDEND, Acct.DEP_F, amounts, 0)
    got = s.h.dep - before
    assert int(got.sum()) == 1_000_003
    assert set(np.flatnonzero(got)) <= set(E.holder[rows].tolist())
    holder, shares = E.holder[rows], E.shares[rows]
    want = np.bincount(holder, weights=shares * 1_000_003 / shares.sum(), minlength=len(s.h))
    assert np.abs(got - want).max() <= 1
    inv.check_stocks(ctx)


def test_an_entrant_belongs_to_the_households_that_recapitalised_it() -> None:
    world = _world(seed=6)
    s = world.ctx.s
    for _ in range(400):
        result = world.step()
        recaps = [p for p in result.postings if p["kind"] == "RECAP"]
        if recaps:
            break
    else:
        raise AssertionError("no firm was recapitalised in 400 ticks")
    for batch in recaps:
        for fid in set(batch["dst"].tolist()):
            paid = batch["src"][batch["dst"] == fid]
            holders = s.equity.holder[s.equity.issuer == fid]
            assert set(holders.tolist()) == set(paid.tolist())


def test_equity_is_valued_at_the_issuers_book_net_worth() -> None:
    world = _world()
    world.run(3)
    s = world.ctx.s
    nw = np.maximum(inv.firm_net_worth(s), 0)
    total = int(s.h.equity.sum())
    firms_part = int(nw.sum())
    assert firms_part <= total  # banks' equity on top
    sheet = world.balance_sheet(("household", int(np.argmax(s.h.equity))))
    assert sheet["wealth"] == sheet["deposits"] + sheet["equity"] > sheet["deposits"]
    assert sheet["net_worth"] == sheet["deposits"]  # the ledger's net worth, as scores read it


def test_capital_units_and_book_value_move_only_by_purchases_and_depreciation() -> None:
    world = _world()
    s = world.ctx.s
    k0, v0 = int(s.f.k.sum()), int(s.f.K.sum())
    result = world.step()
    flows = {p["kind"]: int(p["amount"].sum()) for p in result.postings}
    units = world.ctx.handoffs.units
    assert int(s.f.K.sum()) == v0 + flows.get("CAPITAL_ADD", 0) \
        - flows.get("CAPITAL_DEPRECIATION", 0) - flows.get("CAPITAL_HAIRCUT", 0)
    assert units.capital_installed == int(s.f.inv_units.sum()) > 0
    assert units.capital_scrapped > 0
    assert int(s.f.k.sum()) == k0 + units.capital_installed - units.capital_scrapped
    assert flows["CAPITAL_PURCHASE"] == flows["CAPITAL_ADD"] == result.aggregates["investment"]
    consumption_firms = s.f.sector == 0
    assert (s.f.k[consumption_firms] > 0).all() and (s.f.k[~consumption_firms] == 0).all()


def test_score_inputs_of_a_v2_world_match_its_balance_sheets() -> None:
    """The scores read net worth from the ledger; a v2 balance sheet's net_worth is the same
    figure (equity is shown apart, as wealth)."""
    world = _world()
    world.run(2)
    s = world.ctx.s
    nw = inv.net_worth(s)
    for i in (0, 7, 42):
        assert world.balance_sheet(("household", i))["net_worth"] == int(nw["household"][i])
    for j in range(len(s.f)):
        assert world.balance_sheet(("firm", j))["net_worth"] == int(nw["firm"][j])
