"""Alternative baselines: CC-MABM firm and consumption rules."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.engine import ConfigError, World
from simulations.engine.config import Config
from simulations.tests.engine.worlds import small


@pytest.mark.parametrize("key", ["firm_rule", "consumption_rule"])
def test_rule_options_accept_baseline_and_ccmabm_only(key: str) -> None:
    assert getattr(Config.build("baseline"), key) == "baseline"
    assert getattr(Config.build("baseline", {key: "ccmabm"}), key) == "ccmabm"
    with pytest.raises(ConfigError) as err:
        Config.build("baseline", {key: "lengnick"})
    assert err.value.field == key
    with pytest.raises(ConfigError) as err:
        Config.build("sim", {key: "ccmabm"})
    assert err.value.field == key


@pytest.mark.parametrize(("firm_rule", "consumption_rule"), [
    ("ccmabm", "baseline"), ("baseline", "ccmabm"), ("ccmabm", "ccmabm")])
def test_alternative_rules_run_200_ticks_with_every_invariant(firm_rule: str,
                                                              consumption_rule: str) -> None:
    world = World.create("baseline", {"n_households": 200, "n_firms": 8, "n_banks": 2,
                                      "firm_rule": firm_rule,
                                      "consumption_rule": consumption_rule}, seed=5)
    for _ in range(200):
        result = world.step()
        assert result.audit["invariants"] == {f"I{i}": True for i in range(1, 10)}
    s = world.ctx.s
    assert result.aggregates["gdp_real"] > 0
    assert 0.0 <= result.aggregates["unemployment_rate"] < 0.6
    assert (s.h.dep >= 0).all() and (s.f.price >= 1).all()


def test_ccmabm_firms_move_price_or_quantity_against_the_average_price() -> None:
    world = World.create("baseline", small(firm_rule="ccmabm"), seed=2)
    for _ in range(5):
        world.step()
    f = world.ctx.s.f
    p_bar = world.ctx.s.public["cpi"]
    before = f.price.copy()
    excess = f.unsold - f.unmet
    world.step()
    after = f.price
    # Short of stock and cheap: the price rises; long and dear: it falls; otherwise it stays.
    up = (excess <= 0) & (before < p_bar)
    down = (excess > 0) & (before > p_bar)
    assert (after[up] >= before[up]).all()
    assert (after[down] <= before[down]).all()
    assert np.array_equal(after[~(up | down)], before[~(up | down)])


def test_ccmabm_consumption_tracks_permanent_real_income() -> None:
    world = World.create("baseline", small(consumption_rule="ccmabm"), seed=2)
    h = world.ctx.s.h
    before = h.perm_income.copy()
    yd = h.yd.copy()
    p_bar = world.ctx.s.public["cpi"]
    world.step()
    cfg = world.config
    assert np.allclose(h.perm_income, cfg.ccmabm_xi * before + (1 - cfg.ccmabm_xi) * yd / p_bar)
    assert (h.budget >= (cfg.ccmabm_chi * h.dep_prev).astype(np.int64) - 1).all()
