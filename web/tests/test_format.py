from __future__ import annotations

import pytest

from web.templatetags.web_format import figure, money


@pytest.mark.parametrize(("value", "shown"), [
    (0, "$0.00"), (5, "$0.05"), (123456789, "$1,234,567.89"), (-250, "-$2.50"),
    (True, True), ("n/a", "n/a"),
])
def test_cents_are_shown_as_currency(value, shown):
    assert money(value) == shown


def test_aggregates_read_as_money_counts_and_rates():
    assert figure(486423861, "gdp") == "$4,864,238.61"
    assert figure(839, "employment") == "839"
    assert figure(0.16100000000000003, "unemployment_rate") == "16.10 %"
    assert figure(659.7098463374608, "cpi") == "659.710"
