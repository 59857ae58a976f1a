"""Admin shocks: validated parameters and their effects."""

from __future__ import annotations

import pytest

from simulations.engine import ConfigError, World
from simulations.tests.engine.worlds import small


@pytest.mark.parametrize(("spec", "field"), [
    ({"type": "earthquake"}, "type"),
    ({"type": "income", "params": {}}, "params.cents_per_household"),
    ({"type": "income", "params": {"cents_per_household": 10**10}}, "params.cents_per_household"),
    ({"type": "income", "params": {"cents_per_household": 1.5}}, "params.cents_per_household"),
    ({"type": "preference", "params": {"factor": 4}}, "params.factor"),
    ({"type": "preference", "params": {"factor": 1, "x": 1}}, "params.x"),
    ({"type": "health", "params": {"hazard": -0.1}}, "params.hazard"),
    ({"type": "productivity", "params": {"factor": 0.01}}, "params.factor"),
    ({"type": "policy_override", "params": {"policy_rate": 0.5}}, "params.policy_rate"),
    ({"type": "policy_override", "params": {"tariff": 0.1}}, "params.tariff"),
    ({"type": "unemployment", "target": {"random_share": 0}}, "target.random_share"),
    ({"type": "unemployment", "target": {"ids": [10_000]}}, "target.ids"),
    ({"type": "unemployment", "target": {"all": True, "ids": [1]}}, "target"),
    ({"type": "unemployment", "start_tick": 0}, "start_tick"),
    ({"type": "unemployment", "duration_ticks": 0}, "duration_ticks"),
    ({"type": "unemployment", "colour": "red"}, "colour"),
])
def test_invalid_shock_is_refused_naming_the_field(spec: dict, field: str) -> None:
    world = World.create("baseline", small(), seed=1)
    with pytest.raises(ConfigError) as err:
        world.add_shock(spec)
    assert err.value.field == field
    assert world.ctx.s.shocks == []


def test_unemployment_shock_separates_the_selected_workers() -> None:
    world = World.create("baseline", small(), seed=1)
    world.step()
    employed = [i for i in range(300) if world.ctx.s.h.employer[i] >= 0][:5]
    world.add_shock({"type": "unemployment", "target": {"ids": employed}, "start_tick": 2})
    world.step()
    assert all(world.ctx.s.h.employer[i] == -1 for i in employed)


def test_health_shock_stops_work_and_pays_benefits() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "health", "target": {"ids": [1, 2]}, "start_tick": 1,
                     "duration_ticks": 3})
    world.step()
    result = world.step()
    s = world.ctx.s
    assert s.h.employer[1] == -1 and s.h.endow[1] == 0 and s.h.inc_benefit[1] > 0
    assert world.observations([("household", 1)])[("household", 1)]["own"]["health_shock"]
    assert result.aggregates["tick"] == 2


def test_preference_shock_scales_planned_consumption() -> None:
    base = World.create("baseline", small(), seed=1)
    shocked = World.create("baseline", small(), seed=1)
    shocked.add_shock({"type": "preference", "target": {"all": True},
                       "params": {"factor": 0.5}, "start_tick": 1, "duration_ticks": 5})
    base.step(), shocked.step()
    base.step(), shocked.step()
    assert shocked.ctx.s.h.budget.sum() < 0.6 * base.ctx.s.h.budget.sum()


def test_productivity_and_policy_overrides_apply_for_their_duration() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "productivity", "target": {"ids": [0]}, "params": {"factor": 2.0},
                     "start_tick": 1, "duration_ticks": 2})
    world.add_shock({"type": "policy_override", "params": {"policy_rate": 0.05},
                     "start_tick": 2, "duration_ticks": 1})
    rates, lams = [], []
    for _ in range(4):
        rates.append(world.step().aggregates["policy_rate"])
        lams.append(float(world.ctx.s.f.lam[0]))
    # Applied in P9 of the active ticks, read from the next tick on.
    assert rates == [0.005, 0.005, 0.05, 0.005]
    assert lams == [2.0, 2.0, 1.0, 1.0]
