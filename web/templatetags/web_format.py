"""Display helpers for the product pages: figures by their unit (web/figures.py)."""

from __future__ import annotations

from django import template

from simulations.models import AgentType
from web import figures

register = template.Library()


@register.filter
def money(cents: object) -> object:
    """Integer cents as currency ("$1,234.56"); anything else unchanged."""
    if isinstance(cents, bool) or not isinstance(cents, int | float):
        return cents
    return figures.money(cents)


@register.filter
def figure(value: object, key: str) -> str:
    """An engine figure (balance sheet, own observation, aggregate) written for its unit."""
    return figures.figure(value, key)


@register.filter
def figure_label(key: str) -> str:
    return figures.figure_label(key)


@register.filter
def agent_type_label(agent_type: str) -> str:
    """"central_bank" as people read it ("Central bank")."""
    return str(AgentType(agent_type).label) if agent_type in AgentType.values else agent_type


@register.filter
def get_item(mapping: object, key: str) -> object:
    """`mapping[key]`, or None (templates cannot index with a variable)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
