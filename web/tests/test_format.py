from __future__ import annotations

import pytest

from web.templatetags.web_format import cents, is_money


@pytest.mark.parametrize(("value", "shown"), [
    (0, "0.00"), (5, "0.05"), (123456789, "1,234,567.89"), (-250, "-2.50"),
    (True, True), (1.5, 1.5), ("n/a", "n/a"),
])
def test_cents_are_shown_as_currency_units(value, shown):
    assert cents(value) == shown


def test_unit_counts_are_not_money():
    assert is_money("net_worth") and not is_money("inventory_units")


def test_aggregates_read_as_money_counts_and_rates():
    from web.templatetags.web_format import aggregate

    assert aggregate(486423861, "gdp") == "4,864,238.61"
    assert aggregate(839, "employment") == "839"
    assert aggregate(0.16100000000000003, "unemployment_rate") == "0.161"
    assert aggregate(659.7098463374608, "cpi") == "659.7098"
