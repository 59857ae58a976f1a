"""The `simulate` command's core: --set parsing and per-tick rows (no Django needed)."""

from __future__ import annotations

import json

import pytest

from simulations.engine import ConfigError
from simulations.engine.headless import parse_sets, rows


def test_sim_rows_are_in_sim_units_and_accept_the_gl_parameters() -> None:
    sets = parse_sets(["government_spending=25", "tax_rate=0.2", "alpha1=0.5", "alpha2=0.2"])
    out = list(rows("sim", 3, 1, sets))
    assert [r["tick"] for r in out] == [1, 2, 3]
    assert out[0]["output"] == 25.0 and out[0]["government"] == 25.0
    assert out[0]["taxes"] == pytest.approx(5.0, abs=1e-3)
    assert out[1]["output"] == pytest.approx(39.0, abs=1e-2)
    assert set(out[0]) >= {"tick", "output", "consumption", "government", "taxes",
                           "disposable_income", "household_money"}


def test_baseline_rows_carry_the_aggregates() -> None:
    out = list(rows("baseline", 2, 3, parse_sets(["n_households=200", "n_firms=10",
                                                  "n_banks=2"])))
    assert len(out) == 2
    json.dumps(out, allow_nan=False)  # what `simulate --json` prints
    for key in ("gdp", "cpi", "unemployment_rate", "avg_wage", "loans", "bankruptcies",
                "deposits", "government_debt"):
        assert key in out[0]


@pytest.mark.parametrize(("pairs", "field"), [
    (["alpha1=2"], "alpha1"), (["nonsense=1"], "nonsense"), (["tax_rate"], "tax_rate"),
    (["alpha1=0.5", "alpha1=0.6"], "alpha1"), (["n_firms=lots"], "n_firms"),
])
def test_bad_set_names_the_key(pairs: list[str], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        rows("sim", 1, 0, parse_sets(pairs))  # raised before the first row is asked for
    assert err.value.field == field

