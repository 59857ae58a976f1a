"""Headless runs (the `simulate` command's core): parse `--set` pairs, yield one row per tick."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .aggregates import sim_units
from .errors import ConfigError
from .world import World

BASELINE_COLUMNS = (
    "tick", "gdp", "gdp_real", "cpi", "inflation_4t", "unemployment_rate", "avg_wage",
    "wage_inflation_4t", "vacancy_rate", "consumption", "loans", "new_loans", "bankruptcies",
    "bank_failures", "deposits", "household_deposits", "government_debt",
    "government_deficit", "policy_rate", "firm_profits", "inventories",
)
SIM_COLUMNS = ("tick", "output", "consumption", "government", "taxes", "disposable_income",
               "household_money", "government_debt")


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    """`key=value` strings to a dict; values stay strings (the config coerces and checks)."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(pair, "key=value required")
        if key in out:
            raise ConfigError(key, "set more than once")
        out[key] = value.strip()
    return out


def rows(scenario: str, ticks: int, seed: int, sets: dict[str, Any]) -> Iterator[dict]:
    """Create the world now (a bad key raises ConfigError before any output); rows lazily."""
    if ticks < 0:
        raise ConfigError("ticks", "int >= 0 required")
    world = World.create(scenario, sets, seed=seed)
    return _rows(world, scenario, ticks)


def _rows(world: World, scenario: str, ticks: int) -> Iterator[dict]:
    columns = columns_for(scenario)
    for _ in range(ticks):
        agg = world.step().aggregates
        row = sim_units(agg) if scenario == "sim" else agg
        yield {k: row[k] for k in columns}


def columns_for(scenario: str) -> tuple[str, ...]:
    return SIM_COLUMNS if scenario == "sim" else BASELINE_COLUMNS


def format_cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"
    return str(value)
