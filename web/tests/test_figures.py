"""The one table of figures (web/figures.py): every key the engine can show on a page has a
human label and a unit, and money, percent and counts are written one way per language."""

from __future__ import annotations

import pytest
from django.utils import translation

from simulations.engine import World
from simulations.engine.aggregates import MONEY_AGGREGATES
from simulations.engine.vocabulary import AGENT_TYPES
from web.figures import AGGREGATE_UNITS, LABELS, Unit, figure, figure_unit, money, schema_figures
from web.templatetags.web_format import figure_label

SMALL = {"n_households": 40, "n_firms": 4, "n_banks": 2}


def _engine_keys() -> dict[str, set[str]]:
    """What a page can show, asked of the engine itself: the keys of a tick's aggregates, of
    every agent type's balance sheet and of every agent type's own observation."""
    found: dict[str, set[str]] = {"aggregates": set(), "balance sheets": set(),
                                  "own state": set()}
    for version in ("v1", "v2"):  # a v2 world adds capital, investment and equity figures
        world = World.create("baseline", {**SMALL, "model_version": version}, 3)
        found["aggregates"] |= set(world.step().aggregates)
        refs = [(agent_type, 0) for agent_type in AGENT_TYPES]
        found["balance sheets"] |= {key for ref in refs for key in world.balance_sheet(ref)}
        found["own state"] |= {key for obs in world.observations(refs).values()
                               for key, value in obs["own"].items()
                               if not isinstance(value, list | dict)}
    return found


@pytest.mark.parametrize("where", ["aggregates", "balance sheets", "own state"])
def test_every_figure_the_engine_shows_has_a_label_and_a_unit(where):
    keys = _engine_keys()[where]
    assert keys, where
    assert sorted(keys - set(LABELS)) == [], f"{where}: keys without a label in web/figures.py"
    for key in keys:
        figure_unit(key)  # KeyError: the engine gives no unit and AGGREGATE_UNITS none either


def test_units_the_engine_declares_are_not_restated():
    assert not set(AGGREGATE_UNITS) & (set(MONEY_AGGREGATES) | set(schema_figures()))


def test_money_is_what_the_engine_calls_money():
    for key in MONEY_AGGREGATES:
        assert figure_unit(key) == Unit.MONEY
    assert figure_unit("inventory_units") == Unit.UNITS  # a count of goods, not cents
    assert figure_unit("markup") == Unit.PERCENT


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("cents", "shown"), [
    (0, "$0.00"), (5, "$0.05"), (45814469, "$458,144.69"), (-250, "-$2.50"),
    (486423861, "$4,864,238.61"), (659.7098, "$6.60"),
])
def test_money_is_currency_with_grouping_in_every_language(language, cents, shown):
    with translation.override(language):
        assert money(cents) == shown


@pytest.mark.parametrize(("value", "key", "en", "zh"), [
    (0.161, "unemployment_rate", "16.10 %", "16.10%"),
    (0.005, "policy_rate", "0.50 %", "0.50%"),
    (18000, "output", "18,000 units", "18,000 单位"),
    (1, "inventory_units", "1 unit", "1 单位"),
    (2, "age", "2 ticks", "2 个周期"),
    (1234, "workers", "1,234", "1,234"),
    (16283.7, "expected_demand", "16,283.7 units", "16,283.7 单位"),
    (659.7098463374608, "cpi", "659.710", "659.710"),
    (12, "bank_id", "12", "12"),
    (None, "capital_ratio", "—", "—"),
    (True, "defaulted", "yes", "是"),
])
def test_each_unit_is_written_one_way_per_language(value, key, en, zh):
    assert figure(value, key) == en
    with translation.override("zh-hans"):
        assert figure(value, key) == zh


def test_labels_are_translated():
    assert figure_label("net_worth") == "Net worth"
    with translation.override("zh-hans"):
        assert figure_label("net_worth") == "净值"
