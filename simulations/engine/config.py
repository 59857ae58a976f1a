"""The validated parameter set of a world: defaults, ranges, and the two scenario presets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

# Parameters of model v2 only (capital goods, ownership, heterogeneous households); sources and
# departures in docs/economic-model.md. A v1 world refuses them and never stores them, so v1
# checkpoints and state hashes are unchanged.
V2_SPEC: dict[str, tuple] = {
    "capital_firm_share": (0.2, float, 0.0, 0.9),   # Caiani et al. 2016: 50 of 250 firms
    "capital_per_worker": (2000, int, 1, 10**9),    # capital units one worker operates
    "capital_depreciation": (0.05, float, 0.0, 1.0),  # per tick; Caiani: 20-period life
    "capital_sample": (3, int, 1, 100),             # capital-goods suppliers sampled
    "extra_shopping_rounds": (2, int, 0, 100),       # random sellers for budget left
    "initial_capital_ticks": (1.15, float, 0.0, 100.0),  # initial capacity / initial staff
    "investment_gamma_u": (0.05, float, 0.0, 10.0),  # capacity growth per utilisation gap
    "investment_gamma_r": (0.02, float, 0.0, 10.0),  # capacity growth per profit-rate gap
    "target_utilisation": (0.85, float, 0.01, 1.0),  # Caiani: 0.8
    "capital_inventory_ticks": (0.3, float, 0.0, 100.0),  # K-firms' desired stock / sales
    "equity_owners": (300, int, 1, 10_000),          # owners drawn per firm and bank
    "equity_pareto_alpha": (3.0, float, 0.1, 100.0),  # Pareto tail of owners' weights
    "skill_sigma": (0.35, float, 0.0, 3.0),          # sd of log productivity (wage)
    "alpha1_spread": (0.15, float, 0.0, 0.5),        # alpha1_i ~ U(alpha1 +- spread)
}
V2_KEYS = frozenset(V2_SPEC)
# v1 parameters whose default differs in a v2 baseline world (a caller's value still wins).
V2_BASELINE: dict[str, Any] = {
    # Tuned between Caiani's 0.9 (firms hoard cash once markups have risen, credit dies, fewer
    # than 1 failure per 100 ticks) and v1's 0.97 (too little retained for investment).
    "rho_firm": 0.95,
}

# name: (default, type, low, high) for numbers; (default, bool) for flags; (default,
# tuple-of-choices) for choices.
_SPEC: dict[str, tuple] = {
    "mode": ("baseline", ("baseline", "sim")),
    # The rules a world runs, fixed when it is created (a checkpoint without it is v1).
    "model_version": ("v1", ("v1", "v2")),
    "n_households": (8000, int, 1, 2_000_000),
    "n_firms": (100, int, 1, 100_000),
    "n_banks": (10, int, 1, 1_000),
    "ticks_per_year": (4, int, 1, 365),
    "ticks_per_day": (4, int, 1, 10_000),
    "productivity": (1000, int, 1, 10**9),
    "initial_wage_cents": (500_000, int, 1, 10**12),
    "household_labour": (1, int, 1, 10**9),
    "initial_employment_rate": (0.92, float, 0.0, 1.0),
    "alpha1": (0.75, float, 0.0, 1.0),
    "alpha2": (0.10, float, 0.0, 1.0),
    "lambda_e": (0.25, float, 0.0, 1.0),
    "nu": (0.10, float, 0.0, 5.0),
    "mu0": (0.32, float, 0.0, 10.0),
    # Share of unsold units that perish each tick. CC-MABM's consumption goods are perishable
    # (1.0); with storable goods and mu >= 0 a firm never loses money, so none ever fails
    # (see NOTES.md). 0 makes inventories storable (kept at cost until sold).
    "inventory_depreciation": (1.0, float, 0.0, 1.0),
    "fn_sigma": (0.0094, float, 0.0, 1.0),
    "wage_delta": (0.019, float, 0.0, 1.0),
    "wage_gamma": (8, int, 1, 1000),
    "sigma": (1.0, float, 0.0, 10.0),
    # Tuned (Caiani 0.9): with no capital goods, retained profits at 0.9 pile up as idle
    # deposits and firms stop borrowing; at 1.0 net worth only ever falls (losses are never
    # rebuilt), leverage climbs and credit rationing caps output. See NOTES.md.
    "rho_firm": (0.97, float, 0.0, 1.0),
    "rho_bank": (0.6, float, 0.0, 1.0),
    "turnover": (0.05, float, 0.0, 1.0),
    "upsilon": (0.08, float, 0.0, 1.0),
    "z_c": (2, int, 1, 100),  # CC-MABM's value; Caiani's 5 concentrates demand (NOTES.md)
    "z_e": (5, int, 1, 100),
    "chi_l": (3, int, 1, 100),
    "chi_d": (3, int, 1, 100),
    "eps_c": (3.466, float, 0.0, 100.0),
    "eps_l": (4.621, float, 0.0, 100.0),
    "eps_d": (4.621, float, 0.0, 100.0),
    "ojs_prob": (0.1, float, 0.0, 1.0),
    "eta": (20, int, 1, 1000),
    "iota": (0.5, float, 0.0, 1.0),
    "cr_min": (0.06, float, 0.0, 1.0),
    "lr_min": (0.08, float, 0.0, 1.0),
    "cr_target0": (0.18, float, 0.0, 1.0),
    "lr_target0": (0.258, float, 0.0, 1.0),
    "policy_rate": (0.005, float, 0.0, 0.25),
    "loan_spread0": (0.0025, float, 0.0, 1.0),
    "deposit_rate0": (0.0025, float, 0.0, 0.25),
    "reserve_rate": (0.0, float, 0.0, 0.25),
    "policy_rule": ("fixed", ("fixed", "taylor")),
    # Alternative baselines for robustness checks: CC-MABM (ABCredit.jl) rules.
    "firm_rule": ("baseline", ("baseline", "ccmabm")),
    "consumption_rule": ("baseline", ("baseline", "ccmabm")),
    "ccmabm_rho_q": (0.9, float, 0.0, 1.0),
    "ccmabm_eta_p": (0.1, float, 0.0, 1.0),
    "ccmabm_xi": (0.96, float, 0.0, 1.0),
    "ccmabm_chi": (0.05, float, 0.0, 1.0),
    "taylor_r_star": (0.02, float, -0.1, 0.2),
    "taylor_pi_star": (0.02, float, -0.1, 0.2),
    "taylor_phi_pi": (0.5, float, 0.0, 10.0),
    "taylor_phi_u": (1.0, float, 0.0, 10.0),
    "taylor_u_star": (0.08, float, 0.0, 1.0),
    "b1": (-15.0, float, -1000.0, 1000.0),
    "b2": (13.0, float, -1000.0, 1000.0),
    "phi": (0.002, float, 0.0, 1.0),
    "credit_rationing": (True, bool),
    "income_tax": (0.18, float, 0.0, 0.9),
    "profit_tax": (0.18, float, 0.0, 0.9),
    "benefit_ratio": (0.40, float, 0.0, 1.5),
    "gov_purchase_share": (0.20, float, 0.0, 1.0),
    "bank_resolution": ("bail_in", ("bail_in", "bailout")),
    "health_hazard": (0.0, float, 0.0, 1.0),
    "health_duration": (4, int, 1, 10_000),
    "check_every_phase": (False, bool),
    # SIM mode: money figures in SIM units (1 unit = 10^6 cents).
    "government_spending": (20.0, float, 0.0, 10**6),
    "initial_household_money": (0.0, float, 0.0, 10**6),
    "initial_disposable_income": (0.0, float, 0.0, 10**6),
    **V2_SPEC,
}

# Friendly names accepted on input (the `simulate --set` vocabulary of G&L).
ALIASES = {"tax_rate": "income_tax", "theta": "income_tax"}

SIM_PRESET: dict[str, Any] = {
    "mode": "sim",
    "n_households": 1000,
    "n_firms": 1,
    "n_banks": 1,
    "productivity": 1,
    "initial_wage_cents": 1,
    "household_labour": 10_000_000,
    "alpha1": 0.6,
    "alpha2": 0.4,
    "lambda_e": 1.0,
    "mu0": 0.0,
    "inventory_depreciation": 0.0,
    "sigma": 0.0,
    "rho_firm": 0.0,
    "rho_bank": 0.0,
    "turnover": 0.0,
    "ojs_prob": 0.0,
    "eta": 1,
    "cr_min": 0.0,
    "lr_min": 0.0,
    "policy_rate": 0.0,
    "loan_spread0": 0.0,
    "deposit_rate0": 0.0,
    "reserve_rate": 0.0,
    "credit_rationing": False,
    "income_tax": 0.2,
    "profit_tax": 0.0,
    "benefit_ratio": 0.0,
}

SCENARIOS: dict[str, dict[str, Any]] = {"baseline": {}, "sim": SIM_PRESET}


@dataclass(frozen=True)
class Config:
    """All parameters of one world. Build it with `Config.build`; fields mirror `_SPEC`."""

    values: tuple[tuple[str, Any], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.values))

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "_lookup")[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def stored(self) -> dict[str, Any]:
        """What a checkpoint and the state hash keep: a v1 world stores exactly its v1 keys."""
        if self.model_version == "v2":
            return dict(self.values)
        return {k: v for k, v in self.values if k not in V2_KEYS and k != "model_version"}

    @property
    def v2(self) -> bool:
        return self.model_version == "v2"

    @classmethod
    def build(cls, scenario: str = "baseline", overrides: dict[str, Any] | None = None) -> Config:
        """Defaults, then the scenario preset, then the caller's overrides, each validated."""
        if scenario not in SCENARIOS:
            raise ConfigError("scenario", f"one of {sorted(SCENARIOS)} required")
        merged = {k: spec[0] for k, spec in _SPEC.items()}
        merged.update(SCENARIOS[scenario])
        for raw_key, raw in (overrides or {}).items():
            key = ALIASES.get(raw_key, raw_key)
            if key not in _SPEC:
                raise ConfigError(raw_key, "unknown parameter")
            merged[key] = _coerce(raw_key, _SPEC[key], raw)
        if merged["model_version"] == "v2" and merged["mode"] == "baseline":
            sent = {ALIASES.get(k, k) for k in overrides or {}}
            merged.update({k: v for k, v in V2_BASELINE.items() if k not in sent})
        if merged["mode"] != SCENARIOS[scenario].get("mode", "baseline"):
            raise ConfigError("mode", "fixed by the scenario")
        if merged["mode"] == "sim":
            for rule in ("firm_rule", "consumption_rule"):
                if merged[rule] != "baseline":
                    raise ConfigError(rule, "baseline required in SIM mode")
        if merged["model_version"] == "v1":
            for key in sorted(V2_KEYS & set(overrides or {})):
                raise ConfigError(key, "only in model_version v2")
        if merged["mode"] == "baseline" and merged["household_labour"] != 1:
            raise ConfigError("household_labour", "1 (indivisible labour) in the baseline")
        return cls(tuple(sorted(merged.items())))

    @staticmethod
    def spec() -> dict[str, tuple]:
        return dict(_SPEC)


def _coerce(key: str, spec: tuple, raw: Any) -> Any:
    """Turn a raw value (possibly a string from a CLI) into the spec'd type or raise ConfigError."""
    if spec[1] is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "1", "yes", "false", "0", "no"):
            return raw.lower() in ("true", "1", "yes")
        raise ConfigError(key, "a boolean required")
    if len(spec) == 2:
        choices = spec[1]
        if raw not in choices:
            raise ConfigError(key, f"one of {list(choices)} required")
        return raw
    typ, lo, hi = spec[1], spec[2], spec[3]
    try:
        if isinstance(raw, bool):
            raise ValueError
        if typ is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            value: Any = int(raw) if not isinstance(raw, str) else int(raw.strip())
        else:
            value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(key, f"{typ.__name__} required") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(key, "a finite number required")
    if not lo <= value <= hi:
        raise ConfigError(key, f"{typ.__name__} in [{lo}, {hi}] required")
    return value


__all__ = ["ALIASES", "SCENARIOS", "V2_BASELINE", "V2_KEYS", "Config"]
