"""Display helpers for the product pages."""

from __future__ import annotations

from django import template

from simulations.engine.aggregates import MONEY_AGGREGATES

register = template.Library()


@register.filter
def cents(value: object) -> object:
    """Integer cents as currency units with two decimals and thousands separators; anything
    else unchanged (money is integer cents everywhere below the page)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    sign = "-" if value < 0 else ""
    units, rest = divmod(abs(value), 100)
    return f"{sign}{units:,}.{rest:02d}"


@register.filter
def is_money(key: str) -> bool:
    """Balance-sheet keys are cents except unit counts."""
    return not str(key).endswith("_units")


@register.filter
def aggregate(value: object, key: str) -> object:
    """An engine aggregate for reading: money as currency units, rates and prices rounded."""
    if key in MONEY_AGGREGATES:
        return cents(value)
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value
