"""Config: defaults, scenario presets, errors that name the key."""

from __future__ import annotations

import pytest

from simulations.engine import ConfigError, World
from simulations.engine.config import Config


def test_defaults_follow_the_parameter_table() -> None:
    cfg = Config.build("baseline")
    assert (cfg.n_households, cfg.n_firms, cfg.n_banks) == (8000, 100, 10)
    assert (cfg.alpha1, cfg.alpha2, cfg.mu0) == (0.75, 0.10, 0.32)
    assert (cfg.nu, cfg.z_c, cfg.rho_firm) == (0.10, 2, 0.97)  # tuned, see config.py
    assert cfg.inventory_depreciation == 1.0  # perishable goods (CC-MABM), see NOTES.md
    assert (cfg.income_tax, cfg.benefit_ratio, cfg.eta) == (0.18, 0.40, 20)


def test_sim_preset_is_the_godley_lavoie_configuration() -> None:
    cfg = Config.build("sim", {"tax_rate": 0.25})
    assert cfg.mode == "sim" and cfg.n_firms == 1 and cfg.n_households == 1000
    assert (cfg.alpha1, cfg.alpha2, cfg.income_tax) == (0.6, 0.4, 0.25)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"alpha9": 1}, "alpha9"),
    ({"alpha1": 1.5}, "alpha1"),
    ({"n_households": 0}, "n_households"),
    ({"n_firms": "many"}, "n_firms"),
    ({"policy_rule": "magic"}, "policy_rule"),
    ({"income_tax": float("nan")}, "income_tax"),
    ({"credit_rationing": "perhaps"}, "credit_rationing"),
    ({"household_labour": 5}, "household_labour"),
])
def test_bad_parameter_raises_config_error_naming_the_key(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        Config.build("baseline", overrides)
    assert err.value.field == field


def test_unknown_scenario_and_bad_seed_are_refused() -> None:
    with pytest.raises(ConfigError) as err:
        World.create("pc", {}, seed=1)
    assert err.value.field == "scenario"
    with pytest.raises(ConfigError) as err:
        World.create("sim", {}, seed=-1)
    assert err.value.field == "seed"


def test_string_values_from_a_command_line_are_coerced() -> None:
    cfg = Config.build("baseline", {"n_firms": "20", "alpha1": "0.7",
                                    "check_every_phase": "true"})
    assert (cfg.n_firms, cfg.alpha1, cfg.check_every_phase) == (20, 0.7, True)
