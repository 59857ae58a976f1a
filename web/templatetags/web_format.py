"""Display helpers for the product pages."""

from __future__ import annotations

from django import template

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
