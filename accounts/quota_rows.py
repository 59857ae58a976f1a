"""The profile's quota table: each quota read for what its kind is (accounts/quotas.py
QuotaPeriod), so a count kept is not shown as CPU stored and a size limit is not "used up"."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.quotas import QuotaPeriod

UNITS = {
    "ms": gettext_lazy("ms"), "requests": gettext_lazy("requests"),
    "tokens": gettext_lazy("tokens"), "scripts": gettext_lazy("scripts"),
    "versions": gettext_lazy("versions"), "bytes": gettext_lazy("bytes"),
    "agents": gettext_lazy("agents"), "ticks": gettext_lazy("ticks"),
}


def _amount(value: int, unit: str) -> str:
    return f"{number_format(value, force_grouping=True)} {UNITS.get(unit, unit)}"


def quota_row(quota: dict) -> dict:
    """Label, "used / limit", what is left and how it comes back, as the person reads them."""
    used, limit = (number_format(quota[key], force_grouping=True) for key in ("used", "limit"))
    unit = UNITS.get(quota["unit"], quota["unit"])
    row = {"name": quota["name"], "label": quota["label"], "resets_at": quota["resets_at"],
           "used": f"{used} / {limit} {unit}", "left": _amount(quota["remaining"], quota["unit"])}
    period = quota["period"]
    if period == QuotaPeriod.BUCKET:
        stored = number_format(quota["remaining"], force_grouping=True)
        row["used"] = _("%(stored)s / %(limit)s %(unit)s stored") % {
            "stored": stored, "limit": limit, "unit": unit}
        row["refills"] = _("refills with the unused CPU of each tick")
    elif period == QuotaPeriod.TICK:
        row["refills"] = _("every tick")
    elif period == QuotaPeriod.HELD:
        row["refills"] = _("does not reset: removing one frees a place")
    elif period == QuotaPeriod.EACH:
        row["used"] = _("largest %(used)s / %(limit)s %(unit)s") % {
            "used": used, "limit": limit, "unit": unit}
        row["left"] = "—"
        row["refills"] = _("a limit on each one, nothing is used up")
    else:  # a window on the clock; the template shows when it resets
        row["refills"] = ""
    return row
