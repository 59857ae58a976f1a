"""Pinned paths of the settings the golden runs (test_golden_hashes.py) leave at their
defaults: the alternative firm and consumption rules, the Taylor rule, the health hazard,
storable goods, no credit rationing, monthly ticks, and SIM mode with opening stocks.

Each variant runs `World.create(scenario, {**SMALL, **overrides}, seed=7)` for TICKS ticks and
records the state hash after the last tick and one SHA-256 over the state hashes of tick 0
(what genesis built, which the golden runs do not record) and of every tick, and every tick's
aggregates, postings, trades and rejections. As with the golden hashes, a change here is a
change of the economy: make it only on purpose, regenerate with
`python -m simulations.tests.engine.test_variant_hashes` and give the reason in the commit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from simulations.engine import World
from simulations.tests.engine.test_golden_hashes import _result_digest

SMALL = {"n_households": 200, "n_firms": 10, "n_banks": 2}
TICKS = 40
SEED = 7
PINNED = Path(__file__).with_name("variant_hashes.json")

VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "defaults": ("baseline", {}),
    "ccmabm_firms": ("baseline", {"firm_rule": "ccmabm"}),
    "ccmabm_consumption": ("baseline", {"consumption_rule": "ccmabm"}),
    "ccmabm_both": ("baseline", {"firm_rule": "ccmabm", "consumption_rule": "ccmabm",
                                 "ccmabm_rho_q": 0.8, "ccmabm_chi": 0.1}),
    # u* well above u keeps the rule above its floor of 0, so inflation moves the rate.
    "taylor": ("baseline", {"policy_rule": "taylor", "taylor_phi_pi": 1.5,
                            "taylor_u_star": 0.3, "taylor_r_star": 0.05}),
    "health_hazard": ("baseline", {"health_hazard": 0.03, "health_duration": 3}),
    "storable_goods": ("baseline", {"inventory_depreciation": 0.25}),
    "no_rationing": ("baseline", {"credit_rationing": False, "cr_min": 0.1}),
    "monthly_ticks": ("baseline", {"ticks_per_year": 12, "ticks_per_day": 2}),
    "sim_with_stocks": ("sim", {"n_households": 50, "government_spending": 25.0,
                                "initial_household_money": 80.0,
                                "initial_disposable_income": 60.0, "tax_rate": 0.25}),
    "sim_divisible_labour": ("sim", {"n_households": 30, "household_labour": 3_000_000,
                                     "alpha1": 0.7}),
}


def run_variant(name: str) -> dict[str, str]:
    scenario, overrides = VARIANTS[name]
    config = overrides if scenario == "sim" else {**SMALL, **overrides}
    world = World.create(scenario, config, seed=SEED)
    digest = hashlib.sha256(world.state_hash().encode())  # the world genesis built
    for _ in range(TICKS):
        result = world.step()
        digest.update(result.state_hash.encode())
        _result_digest(digest, result)
    return {"state": world.state_hash(), "outputs": digest.hexdigest()}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_follows_its_pinned_path(name: str) -> None:
    assert run_variant(name) == json.loads(PINNED.read_text())[name]


def test_every_variant_is_pinned() -> None:
    assert set(json.loads(PINNED.read_text())) == set(VARIANTS)


if __name__ == "__main__":
    PINNED.write_text(json.dumps({name: run_variant(name) for name in sorted(VARIANTS)},
                                 indent=1) + "\n")
