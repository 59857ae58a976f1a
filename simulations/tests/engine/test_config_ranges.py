"""Every parameter: its documented default, both edges of its range, and the values refused."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from simulations.engine import ConfigError, World
from simulations.engine.config import ALIASES, SIM_PRESET, V2_KEYS, Config

SPEC = Config.spec()
# The contract, written out (not read back from config.py): each number's [low, high], its
# type given by the bounds (int or float), and each choice's options.
RANGES: dict[str, tuple[float, float]] = {
    "n_households": (1, 2_000_000), "n_firms": (1, 100_000), "n_banks": (1, 1000),
    "ticks_per_year": (1, 365), "ticks_per_day": (1, 10_000), "productivity": (1, 10**9),
    "initial_wage_cents": (1, 10**12), "household_labour": (1, 10**9),
    "initial_employment_rate": (0.0, 1.0), "alpha1": (0.0, 1.0), "alpha2": (0.0, 1.0),
    "lambda_e": (0.0, 1.0), "nu": (0.0, 5.0), "mu0": (0.0, 10.0),
    "inventory_depreciation": (0.0, 1.0), "fn_sigma": (0.0, 1.0), "wage_delta": (0.0, 1.0),
    "wage_gamma": (1, 1000), "sigma": (0.0, 10.0), "rho_firm": (0.0, 1.0),
    "rho_bank": (0.0, 1.0), "turnover": (0.0, 1.0), "upsilon": (0.0, 1.0), "z_c": (1, 100),
    "z_e": (1, 100), "chi_l": (1, 100), "chi_d": (1, 100), "eps_c": (0.0, 100.0),
    "eps_l": (0.0, 100.0), "eps_d": (0.0, 100.0), "ojs_prob": (0.0, 1.0), "eta": (1, 1000),
    "iota": (0.0, 1.0), "cr_min": (0.0, 1.0), "lr_min": (0.0, 1.0), "cr_target0": (0.0, 1.0),
    "lr_target0": (0.0, 1.0), "policy_rate": (0.0, 0.25), "loan_spread0": (0.0, 1.0),
    "deposit_rate0": (0.0, 0.25), "reserve_rate": (0.0, 0.25), "ccmabm_rho_q": (0.0, 1.0),
    "ccmabm_eta_p": (0.0, 1.0), "ccmabm_xi": (0.0, 1.0), "ccmabm_chi": (0.0, 1.0),
    "taylor_r_star": (-0.1, 0.2), "taylor_pi_star": (-0.1, 0.2), "taylor_phi_pi": (0.0, 10.0),
    "taylor_phi_u": (0.0, 10.0), "taylor_u_star": (0.0, 1.0), "b1": (-1000.0, 1000.0),
    "b2": (-1000.0, 1000.0), "phi": (0.0, 1.0), "income_tax": (0.0, 0.9),
    "profit_tax": (0.0, 0.9), "benefit_ratio": (0.0, 1.5), "gov_purchase_share": (0.0, 1.0),
    "health_hazard": (0.0, 1.0), "health_duration": (1, 10_000),
    "government_spending": (0.0, 10**6), "initial_household_money": (0.0, 10**6),
    "initial_disposable_income": (0.0, 10**6),
    # Model v2 only.
    "capital_firm_share": (0.0, 0.9), "capital_per_worker": (1, 10**9),
    "capital_depreciation": (0.0, 1.0), "capital_sample": (1, 100),
    "initial_capital_ticks": (0.0, 100.0), "investment_gamma_u": (0.0, 10.0),
    "capital_inventory_ticks": (0.0, 100.0), "extra_shopping_rounds": (0, 100),
    "investment_gamma_r": (0.0, 10.0), "target_utilisation": (0.01, 1.0),
    "equity_owners": (1, 10_000), "equity_pareto_alpha": (0.1, 100.0),
    "skill_sigma": (0.0, 3.0), "alpha1_spread": (0.0, 0.5),
}
CHOICES = {"mode": ("baseline", "sim"), "model_version": ("v1", "v2"),
           "policy_rule": ("fixed", "taylor"),
           "firm_rule": ("baseline", "ccmabm"), "consumption_rule": ("baseline", "ccmabm"),
           "bank_resolution": ("bail_in", "bailout")}
FLAGS = ["credit_rationing", "check_every_phase"]
MODEL_DOC = Path(__file__).resolve().parents[3] / "docs" / "economic-model.md"


def _scenario(key: str) -> str:
    """SIM-only parameters are tried in the SIM scenario; the rest in the baseline."""
    return "sim" if key in ("government_spending", "initial_household_money",
                            "initial_disposable_income") else "baseline"


def _v2(key: str) -> dict[str, str]:
    return {"model_version": "v2"} if key in V2_KEYS else {}


def test_v2_parameters_are_refused_in_a_v1_world_and_never_stored() -> None:
    with pytest.raises(ConfigError) as err:
        Config.build("baseline", {"capital_per_worker": 10})
    assert (err.value.field, err.value.rule) == ("capital_per_worker",
                                                  "only in model_version v2")
    assert Config.build("baseline").model_version == "v1"
    assert set(Config.build("baseline").stored()) == set(SPEC) - V2_KEYS - {"model_version"}
    assert set(Config.build("baseline", {"model_version": "v2"}).stored()) == set(SPEC)


def test_the_written_contract_lists_every_parameter() -> None:
    assert set(RANGES) | set(CHOICES) | set(FLAGS) == set(SPEC)


def _refused(key: str, value: object) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        Config.build(_scenario(key), {key: value})
    assert err.value.field == key
    return err.value


@pytest.mark.parametrize("key", sorted(RANGES))
def test_both_edges_of_every_number_range_are_accepted(key: str) -> None:
    lo, hi = RANGES[key]
    typ = type(lo)
    for edge in (lo, hi):
        if key == "household_labour" and edge != 1:
            cfg = Config.build("sim", {key: edge})  # divisible labour only in SIM mode
        else:
            cfg = Config.build(_scenario(key), {key: edge, **_v2(key)})
        assert getattr(cfg, key) == edge
        assert type(getattr(cfg, key)) is typ


@pytest.mark.parametrize("key", sorted(RANGES))
def test_just_outside_every_number_range_is_refused_with_the_range(key: str) -> None:
    lo, hi = RANGES[key]
    typ = type(lo)
    if typ is int:
        below, above = lo - 1, hi + 1
    else:
        below, above = math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)
    for value in (below, above):
        err = _refused(key, value)
        assert err.rule == f"{typ.__name__} in [{lo}, {hi}] required"


@pytest.mark.parametrize("key", sorted(RANGES))
def test_every_number_refuses_text_booleans_and_non_finite_values(key: str) -> None:
    typ = type(RANGES[key][0])
    assert _refused(key, "lots").rule == f"{typ.__name__} required"
    assert _refused(key, True).rule == f"{typ.__name__} required"
    assert _refused(key, None).rule == f"{typ.__name__} required"
    if typ is int:
        assert _refused(key, 1.5).rule == "int required"
        assert _refused(key, float("inf")).rule == "int required"
    else:
        assert _refused(key, float("inf")).rule == "a finite number required"
        assert _refused(key, float("-inf")).rule == "a finite number required"


def test_integers_accept_whole_floats_and_padded_strings() -> None:
    cfg = Config.build("baseline", {"n_firms": 20.0, "n_banks": " 4 ", "eta": "7"})
    assert (cfg.n_firms, cfg.n_banks, cfg.eta) == (20, 4, 7)
    assert all(type(v) is int for v in (cfg.n_firms, cfg.n_banks, cfg.eta))
    assert Config.build("baseline", {"alpha1": 1}).alpha1 == 1.0
    assert type(Config.build("baseline", {"alpha1": 1}).alpha1) is float


@pytest.mark.parametrize("key", sorted(CHOICES))
def test_every_choice_accepts_its_options_and_refuses_others(key: str) -> None:
    options = CHOICES[key]
    if key != "mode":
        for option in options:
            assert getattr(Config.build("baseline", {key: option}), key) == option
    err = _refused(key, "other")
    assert err.rule == f"one of {list(options)} required"


def test_mode_is_fixed_by_the_scenario_and_sim_needs_the_baseline_rules() -> None:
    assert Config.build("baseline", {"mode": "baseline"}).mode == "baseline"
    assert Config.build("sim", {"mode": "sim"}).mode == "sim"
    with pytest.raises(ConfigError) as err:
        Config.build("baseline", {"mode": "sim"})
    assert (err.value.field, err.value.rule) == ("mode", "fixed by the scenario")
    with pytest.raises(ConfigError) as err:
        Config.build("sim", {"mode": "baseline"})
    assert err.value.field == "mode"
    for rule in ("firm_rule", "consumption_rule"):
        with pytest.raises(ConfigError) as err:
            Config.build("sim", {rule: "ccmabm"})
        assert (err.value.field, err.value.rule) == (rule, "baseline required in SIM mode")
        assert getattr(Config.build("sim", {rule: "baseline"}), rule) == "baseline"


@pytest.mark.parametrize("key", FLAGS)
@pytest.mark.parametrize(("raw", "value"), [
    (True, True), (False, False), ("true", True), ("TRUE", True), ("1", True), ("yes", True),
    ("false", False), ("0", False), ("No", False),
])
def test_flags_take_booleans_and_their_usual_spellings(key: str, raw: object,
                                                       value: bool) -> None:
    assert getattr(Config.build("baseline", {key: raw}), key) is value


@pytest.mark.parametrize("key", FLAGS)
@pytest.mark.parametrize("raw", [1, 0, "on", "", None, 1.0])
def test_flags_refuse_anything_else(key: str, raw: object) -> None:
    assert _refused(key, raw).rule == "a boolean required"


def test_aliases_reach_the_income_tax_and_errors_name_what_was_sent() -> None:
    assert ALIASES == {"tax_rate": "income_tax", "theta": "income_tax"}
    assert Config.build("baseline", {"theta": 0.3}).income_tax == 0.3
    assert Config.build("sim", {"tax_rate": 0.1}).income_tax == 0.1
    with pytest.raises(ConfigError) as err:
        Config.build("baseline", {"theta": 0.95})
    assert err.value.field == "theta"
    with pytest.raises(ConfigError) as err:
        Config.build("baseline", {"gamma": 1})
    assert (err.value.field, err.value.rule) == ("gamma", "unknown parameter")


def test_config_is_read_only_sorted_and_knows_only_its_parameters() -> None:
    cfg = Config.build("baseline", {"n_firms": 3})
    assert [k for k, _ in cfg.values] == sorted(SPEC)
    assert cfg.as_dict() == dict(cfg.values)
    assert cfg.as_dict()["n_firms"] == 3
    with pytest.raises(AttributeError):
        _ = cfg.no_such_parameter
    assert Config.build("baseline") == Config.build("baseline", {})
    assert Config.build("baseline") != cfg


def test_sim_scenario_applies_its_whole_preset() -> None:
    cfg = Config.build("sim")
    assert {k: getattr(cfg, k) for k in SIM_PRESET} == SIM_PRESET
    world = World.create("sim", {"n_households": 10}, seed=1)
    assert world.config.n_households == 10 and world.config.n_firms == 1


def _documented_defaults() -> dict[str, str]:
    """`name` value pairs of the parameter table in docs/economic-model.md."""
    lines = MODEL_DOC.read_text().splitlines()
    start = lines.index("| Group | Parameter (default) |")
    found: dict[str, str] = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        for name, value in re.findall(r"`(\w+)` (?:λ = )?(-?[\w.]+)", line):
            found.setdefault(name, value)
    return found


def test_every_default_is_the_one_the_model_documents() -> None:
    documented = _documented_defaults()
    # Written as prose in the table: "`firm_rule` and `consumption_rule`: baseline or ...".
    # The mode is the scenario's: "baseline" unless the sim scenario is chosen.
    documented.update(firm_rule="baseline", consumption_rule="baseline", mode="baseline")
    assert set(documented) == set(SPEC)
    cfg = Config.build("baseline")
    for key, spec in SPEC.items():
        default = getattr(cfg, key)
        assert default == spec[0]
        text = documented[key]
        if isinstance(default, bool):
            assert text == str(default).lower(), key
        elif isinstance(default, str):
            assert text == default, key
        else:
            assert float(text) == default, key
