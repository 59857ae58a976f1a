"""The economy tab's charts: their series from the archived aggregates, the shocks and day
boundaries that explain them, and the same series as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from history.selectors import aggregates_query, history_access
from simulations.models import Shock
from simulations.selectors import simulation_state

# (chart id, [(aggregate key, scale)]). A key the engine does not publish is left out of the
# series (the engine owns the list and it may grow).
CHARTS: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    ("gdp", (("gdp", 0.01),)),  # cents -> currency units
    ("inflation", (("inflation_4t", 100.0), ("inflation_tick", 100.0))),  # percent
    ("unemployment", (("unemployment_rate", 100.0),)),
    ("rates", (("policy_rate", 100.0), ("avg_loan_rate", 100.0), ("avg_deposit_rate", 100.0))),
    ("credit", (("loans", 0.01), ("new_loans", 0.01))),
    ("debt", (("government_debt", 0.01),)),
)
CHART_IDS = tuple(chart for chart, _keys in CHARTS)
MAX_POINTS = 2000  # a chart needs no more; longer ranges are thinned evenly (not the CSV)

# The engine's shock types (simulations.engine.shocks.SHOCK_TYPES) as the charts name them.
SHOCK_LABELS = {
    "unemployment": _("Unemployment shock"),
    "income": _("Income shock"),
    "preference": _("Preference shock"),
    "health": _("Health shock"),
    "productivity": _("Productivity shock"),
    "policy_override": _("Policy override"),
}


def _rows(*, user: AbstractBaseUser, simulation_id: int, tick_from: int | None,
          tick_to: int | None, day_from: int | None, day_to: int | None) -> QuerySet:
    """Aggregate rows in the range; access as the history API (participants and operators,
    the 404 of a missing simulation for anyone else)."""
    access = history_access(simulation_id=simulation_id, user=user)
    rows = aggregates_query(access=access, tick_from=tick_from, tick_to=tick_to).rows
    if day_from is not None:
        rows = rows.filter(day__gte=day_from)
    if day_to is not None:
        rows = rows.filter(day__lte=day_to)
    return rows.order_by("tick")


def _series_keys(chart: str, latest: dict[str, Any]) -> list[tuple[str, float]]:
    return [(key, scale) for key, scale in dict(CHARTS)[chart] if key in latest]


def shocks_in(*, simulation_id: int, tick_from: int, tick_to: int) -> list[dict[str, Any]]:
    """Shocks in force at some tick of [tick_from, tick_to]: type, label and ticks."""
    out = []
    for shock in Shock.objects.filter(simulation_id=simulation_id,
                                      status=Shock.Status.APPLIED).order_by("start_tick", "id"):
        start = shock.applied_tick if shock.applied_tick is not None else shock.start_tick
        end = start + max(shock.duration_ticks, 1) - 1
        if start <= tick_to and end >= tick_from:
            out.append({"type": shock.shock_type, "start": start, "end": end,
                        "label": str(SHOCK_LABELS.get(shock.shock_type, shock.shock_type))})
    return out


def economy_series(*, user: AbstractBaseUser, simulation_id: int,
                   tick_from: int | None = None, tick_to: int | None = None,
                   day_from: int | None = None, day_to: int | None = None) -> dict[str, Any]:
    """Every chart's series, the ticks and days of their points, the shocks in force over
    them and the latest rates (the page's JSON)."""
    rows = _rows(user=user, simulation_id=simulation_id, tick_from=tick_from, tick_to=tick_to,
                 day_from=day_from, day_to=day_to)
    step = max(1, -(-rows.count() // MAX_POINTS))
    points = list(rows.values_list("tick", "day", "data"))[::step]
    latest = points[-1][2] if points else {}
    charts = {chart: [{"key": key, "data": [_scaled(data.get(key), scale)
                                            for _, _, data in points]}
                      for key, scale in _series_keys(chart, latest)]
              for chart in CHART_IDS}
    ticks = [tick for tick, _, _ in points]
    return {"simulation": simulation_id, "ticks": ticks, "days": [day for _, day, _ in points],
            "charts": charts,
            "shocks": shocks_in(simulation_id=simulation_id, tick_from=ticks[0],
                                tick_to=ticks[-1]) if ticks else [],
            "rates_now": _rates_now(simulation_id)}


def chart_csv(*, user: AbstractBaseUser, simulation_id: int, chart: str,
              tick_from: int | None = None, tick_to: int | None = None,
              day_from: int | None = None, day_to: int | None = None) -> Iterator[str]:
    """One chart's series as CSV lines: tick, day, each series (in the chart's units) and the
    shocks in force; every tick of the range, unthinned. Access is checked here, before the
    first line is asked for (a streamed response has sent its status by then)."""
    rows = _rows(user=user, simulation_id=simulation_id, tick_from=tick_from, tick_to=tick_to,
                 day_from=day_from, day_to=day_to)
    last = rows.last()
    keys = _series_keys(chart, last.data if last else {})
    first = rows.first()
    shocks = shocks_in(simulation_id=simulation_id, tick_from=first.tick,
                       tick_to=last.tick) if last else []
    return _csv_lines(rows, keys, shocks)


def _csv_lines(rows: QuerySet, keys: list[tuple[str, float]],
               shocks: list[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(["tick", "day", *(key for key, _ in keys), "shocks"])
    for tick, day, data in rows.values_list("tick", "day", "data").iterator(chunk_size=2000):
        active = " ".join(s["type"] for s in shocks if s["start"] <= tick <= s["end"])
        yield line([tick, day, *(_cell(_scaled(data.get(key), scale)) for key, scale in keys),
                    active])


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def _rates_now(simulation_id: int) -> dict[str, Any]:
    """The rates of the last tick from the public state, in percent (the aggregates archive
    them too, but only from the ticks run since they were added)."""
    state = simulation_state(simulation_id=simulation_id)
    public = state["public"]
    return {"tick": state["tick"],
            **{name: _scaled(public.get(key), 100.0) for name, key in (
                ("policy_rate", "i_cb"), ("avg_loan_rate", "avg_i_L"),
                ("avg_deposit_rate", "avg_i_D"))}}


def _scaled(value: Any, scale: float) -> float | None:
    return None if value is None else round(float(value) * scale, 6)
