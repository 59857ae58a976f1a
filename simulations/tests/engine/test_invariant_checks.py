"""Each accounting check catches its own kind of broken state, names the invariant, the agent
and the amounts, and stays quiet on a consistent world."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from simulations.engine import InvariantViolation, World
from simulations.engine import invariants as inv
from simulations.engine.context import Context, Handoffs
from simulations.engine.ledger import Acct, TransactionKind
from simulations.tests.engine.worlds import small

K = TransactionKind


def _world(**extra: object) -> World:
    world = World.create("baseline", small(**extra), seed=1)
    world.step()
    return world


def _end_ready(world: World) -> tuple[Context, inv.Snapshot]:
    """A finished tick with no postings and no unit flows: the end-of-tick checks pass."""
    ctx = world.ctx
    ctx.ledger.clear()
    ctx.handoffs = Handoffs()
    return ctx, inv.snapshot(ctx)


def test_a_consistent_world_passes_every_check() -> None:
    world = _world()
    ctx, snap = _end_ready(world)
    inv.check_stocks(ctx)
    inv.check_flows(ctx, snap)
    inv.check_end(ctx, snap)


def test_the_money_kinds_are_exactly_those_that_create_or_destroy_deposits() -> None:
    moving = {k.name for k in TransactionKind if k.money_effect != 0}
    assert moving == inv.MONEY_KINDS
    assert K.CONSUMPTION.money_effect == 0 and K.DEPOSIT_SWITCH.money_effect == 0
    assert K.LOAN_DRAW.money_effect == 1 and K.TAX_H.money_effect == -1
    assert K.BENEFIT.money_effect == 1 and K.BAIL_IN.money_effect == -1


def test_net_worth_of_each_sector_is_assets_less_liabilities() -> None:
    s = _world().ctx.s
    nw = inv.net_worth(s)
    assert nw["household"].tolist() == s.h.dep.tolist()
    assert nw["household"] is not s.h.dep
    assert nw["firm"].tolist() == (s.f.dep + s.f.X - s.f.loans).tolist()
    assert nw["bank"].tolist() == (s.b.res + s.b.loans + s.b.bills - s.b.dep_liab
                                   - s.b.adv).tolist()
    assert nw["central_bank"].tolist() == [0]
    assert int(nw["government"][0]) == int(s.g.ta[0] - s.g.bills[0]) < 0


def test_snapshot_records_money_base_and_units() -> None:
    world = _world()
    s = world.ctx.s
    snap = inv.snapshot(world.ctx)
    assert snap.money == int(s.h.dep.sum()) + int(s.f.dep.sum())
    assert snap.base == int(s.cb.res_liab[0]) + int(s.g.ta[0])
    assert (snap.adv, snap.bills_cb) == (int(s.cb.adv[0]), int(s.cb.bills[0]))
    assert snap.units == int(s.f.x.sum()) and snap.batch_index == len(world.ctx.ledger.batches)


def _stock_failure(edit: Callable[[World], None]) -> InvariantViolation:
    world = _world()
    edit(world)
    with pytest.raises(InvariantViolation) as err:
        inv.check_stocks(world.ctx)
    return err.value


def test_a_firm_deposit_changed_outside_the_ledger_breaks_i1_at_its_bank() -> None:
    def edit(w: World) -> None:
        w.ctx.s.f.dep[4] += 9
    err = _stock_failure(edit)
    world = _world()
    bank = int(world.ctx.s.f.bank[4])
    held = int(world.ctx.s.b.dep_liab[bank])
    assert (err.invariant, err.agents, err.amounts) == ("I1", (f"bank:{bank}",),
                                                        (held + 9, held))


def test_loan_books_and_contracts_must_agree_for_banks_and_firms() -> None:
    def bank_edit(w: World) -> None:
        w.ctx.s.b.loans[1] += 5
    err = _stock_failure(bank_edit)
    assert (err.invariant, err.agents) == ("I2", ("bank:1",))
    assert err.detail == "loan contracts differ from the bank's loan book"
    assert err.amounts[1] - err.amounts[0] == 5

    def firm_edit(w: World) -> None:
        w.ctx.s.f.loans[3] -= 2
    err = _stock_failure(firm_edit)
    assert (err.invariant, err.agents) == ("I2", ("firm:3",))
    assert err.amounts[0] - err.amounts[1] == 2

    def negative(w: World) -> None:
        L = w.ctx.s.loans
        L.principal[0] = -L.principal[0]
    err = _stock_failure(negative)
    world = _world()
    first = world.ctx.s.loans
    assert (err.invariant, err.detail) == ("I2", "negative loan principal")
    assert err.agents == (f"firm:{int(first.firm[0])}",)
    assert err.amounts == (-int(first.principal[0]),)


@pytest.mark.parametrize(("what", "edit"), [
    ("reserves", lambda s: s.cb.res_liab.__setitem__(0, s.cb.res_liab[0] + 3)),
    ("advances", lambda s: s.cb.adv.__setitem__(0, s.cb.adv[0] + 3)),
    ("bills", lambda s: s.cb.bills.__setitem__(0, s.cb.bills[0] + 3)),
    ("treasury account", lambda s: s.cb.ta_liab.__setitem__(0, s.cb.ta_liab[0] + 3)),
])
def test_holder_and_issuer_of_each_cb_instrument_must_agree_i3(what: str, edit) -> None:
    err = _stock_failure(lambda w: edit(w.ctx.s))
    assert err.invariant == "I3"
    assert err.detail == f"{what} do not match across holder and issuer"
    assert abs(err.amounts[0] - err.amounts[1]) == 3


def test_changes_no_posting_explains_break_i5_and_i6() -> None:
    world = _world()
    ctx = world.ctx
    snap = inv.snapshot(ctx)
    snap.money -= 7  # as if 7 of deposits had appeared with no money channel logged
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I5", (7, 0))
    snap = inv.snapshot(ctx)
    snap.base += 4
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I5", (-4, 0))
    assert err.value.detail == "base money moved without the CB balance sheet"
    snap = inv.snapshot(ctx)
    snap.adv += 4
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I5", (0, -4))
    snap = inv.snapshot(ctx)
    snap.bills_cb -= 6
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I5", (0, 6))


@pytest.mark.parametrize("sector", ["household", "firm", "bank", "central_bank", "government"])
def test_a_net_worth_change_no_posting_explains_breaks_i6_for_that_agent(sector: str) -> None:
    world = _world()
    ctx = world.ctx
    snap = inv.snapshot(ctx)
    snap.nw[sector][0] -= 11
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(ctx, snap)
    assert (err.value.invariant, err.value.agents) == ("I6", (f"{sector}:0",))
    assert err.value.amounts[0] - err.value.amounts[1] == 11


def test_flows_give_each_agent_its_net_worth_change_and_the_tfm_rows_close() -> None:
    world = World.create("baseline", small(), seed=1)
    ctx = world.ctx
    before = inv.net_worth(ctx.s)
    snap = inv.snapshot(ctx)
    ctx.post(K.TAX_H, Acct.DEP_H, Acct.TA, np.array([3, 5]), 0, np.array([100, 40]))
    ctx.post(K.BENEFIT, Acct.TA, Acct.DEP_H, 0, np.array([5]), np.array([15]))
    ctx.post(K.LOAN_DRAW, Acct.LOAN, Acct.DEP_F, int(ctx.s.f.bank[2]), 2, 1_000)
    eff, tfm = inv.flow_effects(ctx, snap.batch_index)
    assert eff["household"][3] == -100 and eff["household"][5] == -25
    assert eff["government"][0] == 125 and eff["firm"][2] == 0
    assert tfm["TAX_H"] == {"household": -140, "firm": 0, "bank": 0, "central_bank": 0,
                            "government": 140}
    assert tfm["LOAN_DRAW"] == dict.fromkeys(inv.SECTORS, 0)
    audit = inv.check_flows(ctx, snap)
    assert audit["sector_saving"]["government"] == 125
    assert audit["sector_saving"]["household"] == -125
    after = inv.net_worth(ctx.s)
    assert int(after["household"][3] - before["household"][3]) == -100


def test_end_of_tick_checks_units_and_negative_stocks() -> None:
    world = _world()
    ctx, snap = _end_ready(world)
    ctx.handoffs.units.production = 5
    ctx.handoffs.units.households = 2
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I7", (snap.units, snap.units + 3))
    ctx.handoffs.units.government, ctx.handoffs.units.write_offs = 1, 2
    inv.check_end(ctx, snap)  # 5 made, 2 + 1 sold, 2 perished: nothing left over


@pytest.mark.parametrize(("table", "column", "who", "name"), [
    ("h", "dep", "household", "deposit"), ("f", "dep", "firm", "deposit"),
    ("b", "res", "bank", "reserves"), ("f", "x", "firm", "inventory"),
    ("f", "X", "firm", "book value"), ("f", "loans", "firm", "loans"),
    ("b", "bills", "bank", "bills"), ("b", "adv", "bank", "advances"),
])
def test_a_negative_stock_at_the_end_of_a_tick_breaks_i8(table: str, column: str, who: str,
                                                        name: str) -> None:
    world = _world()
    ctx, _ = _end_ready(world)
    getattr(getattr(ctx.s, table), column)[1] = -3
    snap = inv.snapshot(ctx)  # units as they now are: only the sign check can fail
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.invariant, err.value.agents, err.value.amounts) == ("I8", (f"{who}:1",),
                                                                          (-3,))
    assert err.value.detail == f"negative {name} at end of tick"


def test_prices_under_a_cent_and_treasury_overdrafts_break_i8() -> None:
    world = _world()
    ctx, snap = _end_ready(world)
    ctx.s.f.price[2] = 1
    inv.check_end(ctx, snap)  # one cent is allowed
    ctx.s.f.price[2] = -4
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.agents, err.value.amounts) == (("firm:2",), (-4,))
    ctx.s.f.price[2] = 5
    ctx.s.g.ta[0] = 0
    inv.check_end(ctx, snap)  # an empty account is allowed
    ctx.s.g.ta[0] = -1
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.invariant, err.value.agents) == ("I8", ("government:0",))


@pytest.mark.parametrize("employer", [-2, 12, 99])
def test_an_employer_that_does_not_exist_breaks_i9(employer: int) -> None:
    world = _world()
    ctx, snap = _end_ready(world)
    ctx.s.h.employer[6] = 11
    inv.check_end(ctx, snap)  # the last firm is a real employer
    ctx.s.h.employer[6] = employer
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.invariant, err.value.agents, err.value.amounts) == (
        "I9", ("household:6",), (employer,))


def test_more_workers_than_participants_breaks_i9_outside_sim_mode() -> None:
    world = _world()
    ctx, snap = _end_ready(world)
    h = ctx.s.h
    n_emp = int((h.employer >= 0).sum())
    h.participate[:] = False
    h.participate[: n_emp] = True
    inv.check_end(ctx, snap)  # as many participants as workers is fine
    h.participate[n_emp - 1] = False
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I9", (n_emp, n_emp - 1))


def test_the_wage_bill_paid_at_p5_must_equal_the_expected_one_i9() -> None:
    world = _world()
    ctx, snap = _end_ready(world)
    ctx.ledger.phase = "P5"
    ctx.post(K.WAGE, Acct.DEP_F, Acct.DEP_H, np.array([0, 1]), np.array([0, 1]),
             np.array([300, 200]))
    ctx.ledger.phase = "P7"
    ctx.post(K.WAGE, Acct.DEP_F, Acct.DEP_H, 0, 2, 1_000)  # not a P5 wage: not counted
    snap = inv.snapshot(ctx)
    ctx.handoffs.wage_bill_expected = 500
    inv.check_end(ctx, snap)
    ctx.handoffs.wage_bill_expected = 501
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert (err.value.invariant, err.value.amounts) == ("I9", (500, 501))


def test_checking_after_every_phase_changes_nothing() -> None:
    plain = World.create("baseline", small(), seed=4)
    checked = World.create("baseline", small(check_every_phase=True), seed=4)
    for _ in range(3):
        a, b = plain.step(), checked.step()
        assert a.aggregates == b.aggregates
    assert plain.ctx.s.h.dep.tolist() == checked.ctx.s.h.dep.tolist()


@pytest.mark.parametrize("kind", list(TransactionKind), ids=lambda k: k.name)
def test_the_ledger_declares_the_net_worth_and_money_effect_each_kind_has(
        kind: TransactionKind) -> None:
    """One posting of each kind: the net-worth signs and money effect the ledger table
    declares (which the audit's TFM and I5/I6 use) match what the posting did to the books."""
    from simulations.tests.engine.test_posting_rules import HH, V2_KINDS, A, _post
    from simulations.tests.engine.test_posting_rules import _world as posting_world

    ctx = posting_world(kind.name in V2_KINDS).ctx
    snap = inv.snapshot(ctx)
    amount = int(ctx.s.h.dep[HH]) if kind is K.DEPOSIT_SWITCH else A
    _post(ctx, kind, amount)
    # Per agent, not check_flows: CB income kinds move base money until the remittance.
    effects, tfm = inv.flow_effects(ctx, snap.batch_index)
    after = inv.net_worth(ctx.s)
    for sector in inv.SECTORS:
        assert (after[sector] - snap.nw[sector]).tolist() == effects[sector].tolist(), sector
    assert list(tfm) == [kind.name]
    money = int(ctx.s.h.dep.sum()) + int(ctx.s.f.dep.sum()) - snap.money
    assert money == kind.money_effect * amount
