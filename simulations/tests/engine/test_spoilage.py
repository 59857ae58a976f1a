"""Perishable inventory (inventory_depreciation): units and cost leave stock, invariants hold."""

from __future__ import annotations

from simulations.engine import World
from simulations.tests.engine.worlds import small


def test_spoiled_units_leave_inventory_at_historical_cost_with_every_invariant() -> None:
    world = World.create("baseline", small(check_every_phase=True, inventory_depreciation=0.5),
                         seed=3)
    spoiled = 0
    for _ in range(40):
        result = world.step()
        cost = sum(int(p["amount"].sum()) for p in result.postings
                   if p["kind"] == "INVENTORY_SPOILAGE")
        f = world.ctx.s.f
        assert cost == int(f.spoilage.sum())
        assert (f.x <= f.unsold).all()
        assert (f.profit == f.revenue - f.cogs - f.spoilage - f.loan_interest
                + f.dep_interest).all()
        spoiled += cost
    assert spoiled > 0
