"""`manage.py simulate` as a user runs it: through Django's command machinery."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command


def _run(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("simulate", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_sim_json_rows_converge_to_the_stationary_state():
    rows = _run("--scenario", "sim", "--ticks", "60", "--json",
                "--set", "government_spending=20", "--set", "tax_rate=0.2")
    assert [r["tick"] for r in rows] == list(range(1, 61))
    keys = {"tick", "output", "consumption", "government", "taxes", "disposable_income",
            "household_money"}
    assert keys <= set(rows[0])
    assert rows[0]["output"] == pytest.approx(20.0, abs=1e-4)  # SIMEX Y_1 = G
    assert rows[-1]["output"] == pytest.approx(100.0, rel=1e-3)  # Y* = G / theta
    assert rows[-1]["household_money"] == pytest.approx(80.0, rel=1e-3)


def test_baseline_json_rows_carry_the_macro_aggregates():
    rows = _run("--scenario", "baseline", "--ticks", "3", "--seed", "7", "--json",
                "--set", "n_households=200", "--set", "n_firms=10", "--set", "n_banks=3")
    assert len(rows) == 3
    expected = {"gdp", "gdp_real", "cpi", "unemployment_rate", "avg_wage", "loans",
                "bankruptcies", "deposits", "government_debt", "policy_rate"}
    assert expected <= set(rows[-1])
    assert rows[-1]["gdp"] > 0
    assert 0 <= rows[-1]["unemployment_rate"] <= 1


def test_readable_table_has_a_header_and_one_line_per_tick():
    out = io.StringIO()
    call_command("simulate", "--scenario", "sim", "--ticks", "5", stdout=out)
    lines = out.getvalue().splitlines()
    assert "output" in lines[0]
    assert len(lines) == 6


def test_unknown_setting_is_an_error_naming_the_key():
    with pytest.raises(CommandError, match="no_such_knob"):
        _run("--scenario", "sim", "--ticks", "2", "--set", "no_such_knob=1")


def test_out_of_range_setting_is_an_error_naming_the_key():
    with pytest.raises(CommandError, match="tax_rate"):
        _run("--scenario", "sim", "--ticks", "2", "--set", "tax_rate=7")
