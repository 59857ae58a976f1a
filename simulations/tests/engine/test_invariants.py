"""Invariant checks catch state that bypassed the ledger and name the invariant and agents."""

from __future__ import annotations

import pytest

from simulations.engine import InvariantViolation, World
from simulations.engine import invariants as inv
from simulations.engine.context import Handoffs
from simulations.tests.engine.worlds import small


def _world() -> World:
    world = World.create("baseline", small(), seed=1)
    world.step()
    return world


def test_deposit_changed_outside_the_ledger_breaks_i1() -> None:
    world = _world()
    world.ctx.s.h.dep[7] += 1
    with pytest.raises(InvariantViolation) as err:
        inv.check_stocks(world.ctx)
    assert err.value.invariant == "I1"
    assert err.value.agents == (f"bank:{int(world.ctx.s.h.bank[7])}",)


def test_loan_book_out_of_step_with_contracts_breaks_i2() -> None:
    world = _world()
    world.ctx.s.f.loans[2] += 5
    with pytest.raises(InvariantViolation) as err:
        inv.check_stocks(world.ctx)
    assert err.value.invariant == "I2" and err.value.agents == ("firm:2",)


def test_bills_not_matching_the_holders_break_i3() -> None:
    world = _world()
    world.ctx.s.g.bills[0] += 10
    with pytest.raises(InvariantViolation) as err:
        inv.check_stocks(world.ctx)
    assert err.value.invariant == "I3"


def test_inventory_value_created_from_nothing_breaks_i6_for_that_firm() -> None:
    world = _world()
    snap = inv.snapshot(world.ctx)
    world.ctx.s.f.X[0] += 10
    inv.check_stocks(world.ctx)  # sum NW == sum X still holds: only the flow check can tell
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(world.ctx, snap)
    assert err.value.invariant == "I6" and err.value.agents == ("firm:0",)


def test_central_bank_left_with_net_worth_breaks_i4_at_end_of_tick() -> None:
    world = _world()
    ctx = world.ctx
    ctx.s.cb.bills[0] += 10
    ctx.s.g.bills[0] += 10  # bills still match (I3), but the CB now has NW = 10
    ctx.handoffs = Handoffs()
    snap = inv.snapshot(ctx)
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert err.value.invariant == "I4" and err.value.amounts == (10,)


def test_consistent_but_unlogged_transfer_breaks_flow_stock_consistency_i6() -> None:
    world = _world()
    ctx = world.ctx
    snap = inv.snapshot(ctx)
    # Move a deposit between two households at the same bank without a posting.
    s = ctx.s
    a, b = [int(i) for i in (s.h.bank == 0).nonzero()[0][:2]]
    s.h.dep[a] -= 100
    s.h.dep[b] += 100
    inv.check_stocks(ctx)
    with pytest.raises(InvariantViolation) as err:
        inv.check_flows(ctx, snap)
    assert err.value.invariant == "I6" and err.value.agents == (f"household:{a}",)
    assert err.value.amounts == (-100, 0)


def test_negative_price_at_end_of_tick_breaks_i8() -> None:
    world = _world()
    ctx = world.ctx
    snap = inv.snapshot(ctx)
    ctx.s.f.price[3] = 0
    ctx.handoffs = Handoffs()
    ctx.ledger.clear()
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert err.value.invariant == "I8" and err.value.agents == ("firm:3",)


def test_units_appearing_from_nowhere_break_i7() -> None:
    world = _world()
    ctx = world.ctx
    snap = inv.snapshot(ctx)
    ctx.s.f.x[1] += 3
    ctx.handoffs = Handoffs()
    with pytest.raises(InvariantViolation) as err:
        inv.check_end(ctx, snap)
    assert err.value.invariant == "I7"


def test_audit_reports_each_invariant_and_the_tfm_rows() -> None:
    result = _world().step()
    assert result.audit["invariants"] == {f"I{i}": True for i in range(1, 10)}
    tfm = result.audit["tfm"]
    assert sum(tfm["CONSUMPTION"].values()) == 0
    assert tfm["CONSUMPTION"]["household"] < 0 < tfm["CONSUMPTION"]["firm"]
