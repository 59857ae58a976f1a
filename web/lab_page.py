"""What the strategy lab's pages show: a backtest's setup, validity, per-arm summary, charts
with the arms side by side (the agent's figures, and the macro aggregates' difference from the
first arm) and one arm's per-tick rows in words. Reads only, through lab's selectors; every
figure is written by web/figures.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from lab import selectors
from lab.models import ACTIVE_STATUSES, Backtest, BacktestArm
from scripts_lib.models import FailureKind
from web.figures import (
    LAB_LABELS,
    OUTCOME_LABELS,
    Unit,
    archive_label,
    figure,
    figure_label,
    figure_unit,
    money,
    score_figure,
)

PAGE_ROWS = 24
MACRO_KEYS = ("gdp", "unemployment_rate", "cpi")  # the macro differences charted
# The balance-sheet figures shown in the summary table, by agent type (the first is charted).
SHEET_KEYS = {"household": ("deposits", "net_worth"),
              "firm": ("deposits", "loans", "inventory_value", "net_worth"),
              "bank": ("reserves", "loans", "deposits", "net_worth")}


def arm_label(arm: BacktestArm) -> str:
    """An arm's name in the reader's language (the stored label is the API's, in English)."""
    version = arm.version
    name = f"{version.script.name} v{version.number}" if version is not None else (
        f"v{arm.version_number}" if arm.version_number else "")
    if arm.kind == "baseline":
        return _("Baseline rule")
    if arm.kind == "mounted":
        return _("%(version)s as archived") % {"version": name}
    if arm.kind == "candidate":
        return _("%(version)s (candidate)") % {"version": name}
    return name


def label_arms(arms: list[BacktestArm]) -> list[BacktestArm]:
    for arm in arms:
        arm.words = arm_label(arm)
    return arms


def headline(agent_type: str) -> str | None:
    """The agent type's own flow: households consumption, firms sales, banks none."""
    return {"household": "consumption", "firm": "sales"}.get(agent_type)


def is_active(backtest: Backtest) -> bool:
    return backtest.status in ACTIVE_STATUSES


def validity_text(backtest: Backtest, arms: list[BacktestArm]) -> dict[str, Any] | None:
    """The "as archived" arm's proof, in words: every archived tick it reached reproduced (or
    the first that did not)."""
    archived = next((a for a in arms if a.runner_kind == "archived"), None)
    if archived is None:
        return None
    if not archived.hash_checked:
        return {"state": "none", "text": _(
            "As archived: no archived tick to compare (the backtest starts at the end of the "
            "archive).")}
    if archived.hash_matches == archived.hash_checked:
        return {"state": "ok", "text": _(
            "As archived: %(matches)s of %(checked)s ticks reproduce the archived state.")
            % {"matches": archived.hash_matches, "checked": archived.hash_checked}}
    return {"state": "bad", "text": _(
        "As archived: %(matches)s of %(checked)s ticks reproduce the archived state; the first "
        "that differs is tick %(tick)s.") % {"matches": archived.hash_matches,
                                             "checked": archived.hash_checked,
                                             "tick": archived.first_mismatch_tick}}


def _counts(arm: BacktestArm) -> dict[str, int]:
    outcomes = (arm.summary or {}).get("outcomes") or {}
    return {k: int(outcomes.get(k, 0)) for k in ("accepted", "rejected", "failed")}


def summary_rows(backtest: Backtest, arms: list[BacktestArm],
                 series: dict[int, list[dict]]) -> list[dict[str, Any]]:
    """One row per arm: final balance sheet, totals, score, calls and outcomes, CPU."""
    agent_type = backtest.agent_type
    own = headline(agent_type)
    rows = []
    for arm in arms:
        rows_of_arm = series.get(arm.index, [])
        last = rows_of_arm[-1] if rows_of_arm else None
        sheet = last["balance_sheet"] if last else {}
        score = None
        if rows_of_arm:
            by_day: dict[int, Any] = {}
            for row in rows_of_arm:
                if row.get("score") is not None:
                    by_day[row["day"]] = row["score"]
            score = sum(by_day.values()) if by_day else None
        rows.append({
            "arm": arm, "progress": arm.ticks_done,
            "sheet": [(figure_label(k), figure(sheet.get(k), k))
                      for k in SHEET_KEYS.get(agent_type, ("net_worth",)) if k in sheet],
            "income": money(sum(r["income"] for r in rows_of_arm)) if rows_of_arm else "—",
            "own": (money(sum(r[own] or 0 for r in rows_of_arm)) if own and rows_of_arm
                    else "—"),
            "score": score_figure(score, agent_type), "calls": arm.sandbox_calls,
            "counts": _counts(arm), "cpu_ms": arm.cpu_ms,
            "status_words": arm.get_status_display(),
        })
    return rows


def _cumulative_scores(rows: list[dict]) -> list[float | None]:
    """The arm's score so far over the backtest, tick by tick (finished days plus the day
    under way)."""
    out, done, day, current = [], 0.0, None, 0.0
    for row in rows:
        if row["day"] != day:
            done, day, current = done + current, row["day"], 0.0
        if row.get("score") is None:
            out.append(None)
            continue
        current = float(row["score"])
        out.append(done + current)
    return out


def _scale(values: list[Any], unit: str) -> list[Any]:
    """Money in currency units, shares in percent points (what a chart's axis reads)."""
    factor = {"money": 0.01, "percent": 100.0}.get(unit)
    return [None if v is None else (v * factor if factor else v) for v in values]


def charts(backtest: Backtest, arms: list[BacktestArm],
           series: dict[int, list[dict]]) -> dict[str, Any]:
    """The charts' data: the arms side by side (score, net worth, income, consumption or
    sales) and the macro aggregates of each arm minus the first arm's."""
    agent_type = backtest.agent_type
    ticks = sorted({row["tick"] for rows in series.values() for row in rows})
    days = {row["tick"]: row["day"] for rows in series.values() for row in rows}
    at = {arm.index: {row["tick"]: row for row in series.get(arm.index, [])} for arm in arms}

    def values(arm: BacktestArm, pick: Any) -> list[Any]:
        rows = at[arm.index]
        return [pick(rows[t]) if t in rows else None for t in ticks]

    score_unit = "score" if agent_type == "household" else "money"
    out = []
    scores = {arm.index: dict(zip([r["tick"] for r in series.get(arm.index, [])],
                                  _cumulative_scores(series.get(arm.index, [])), strict=True))
              for arm in arms}
    out.append({"key": "score", "title": _("Score so far"), "unit": score_unit, "series": [
        {"label": arm.words, "values": _scale([scores[arm.index].get(t) for t in ticks],
                                              score_unit)} for arm in arms]})
    own = headline(agent_type)
    for key, title, pick in (
            ("net_worth", _("Net worth"), lambda r: r["balance_sheet"].get("net_worth")),
            ("income", _("Income per tick"), lambda r: r["income"]),
            *([(own, _("Consumption per tick") if own == "consumption" else _("Sales per tick"),
                lambda r: r[own])] if own else [])):
        out.append({"key": key, "title": title, "unit": "money", "series": [
            {"label": arm.words, "values": _scale(values(arm, pick), "money")} for arm in arms]})
    reference = arms[0] if arms else None
    for key in MACRO_KEYS:
        unit = {Unit.MONEY: "money", Unit.PERCENT: "percent"}.get(figure_unit(key), "ratio")
        base = values(reference, lambda r, key=key: r["aggregates"].get(key)) if reference \
            else []
        lines = []
        for arm in arms[1:]:
            mine = values(arm, lambda r, key=key: r["aggregates"].get(key))
            lines.append({"label": arm.words, "values": _scale(
                [None if a is None or b is None else a - b for a, b in zip(mine, base,
                                                                           strict=True)],
                unit)})
        if lines:
            out.append({"key": f"macro_{key}", "unit": unit, "series": lines, "title": _(
                "%(figure)s: difference from %(arm)s") % {"figure": figure_label(key),
                                                           "arm": reference.words}})
    return {"ticks": ticks, "days": [days[t] for t in ticks], "charts": out,
            "units": {"money": _("currency units"), "percent": _("percent points"),
                      "score": _("utility"), "ratio": _("index points")}}


def outcome_words(script: dict) -> str:
    """What the script did at a tick, in words, with the rule when there is one."""
    outcome = script.get("outcome", "")
    rule = script.get("rule") or ""
    if outcome == "failed":
        kind = str(FailureKind(rule).label) if rule in FailureKind.values else rule
        return _("Failed: %(kind)s") % {"kind": kind}
    if outcome == "rejected":
        return _("Rejected: the agent followed its baseline rule this tick")
    if outcome == "skipped":
        return (_("Not called: its CPU for this backtest was spent") if rule == "cpu_exhausted"
                else _("Not called: unmounted after too many failures in a row"))
    if outcome == "none":
        return _("No script: the baseline rule decided")
    words = archive_label(OUTCOME_LABELS, outcome)
    if script.get("source") == "archive":
        words = _("%(outcome)s (as archived)") % {"outcome": words}
    return words


@dataclass
class TickTable:
    arm: BacktestArm
    rows: list[dict[str, Any]]
    page: int
    pages: int
    links: list[tuple[int, str]] = field(default_factory=list)


def tick_table(backtest: Backtest, arm: BacktestArm, page: int) -> TickTable:
    """One page of an arm's per-tick rows in words."""
    pages = max(1, -(-arm.ticks_done // PAGE_ROWS))
    page = min(max(1, page), pages)
    own = headline(backtest.agent_type)
    rows = []
    for stored in selectors.backtest_arm_rows(backtest=backtest, arm_index=arm.index,
                                              offset=(page - 1) * PAGE_ROWS, limit=PAGE_ROWS):
        data = stored.data
        script = data.get("script") or {}
        rows.append({
            "tick": data["tick"], "day": data["day"], "outcome": script.get("outcome", ""),
            "words": outcome_words(script), "field": script.get("field", ""),
            "rule": script.get("rule", ""), "decision": script.get("decision"),
            "log": script.get("log", ""), "message": script.get("message", ""),
            "cpu_ms": script.get("cpu_ms", 0.0),
            "net_worth": money(data["balance_sheet"].get("net_worth", 0)),
            "income": money(data["income"]),
            "own": money(data[own]) if own and data.get(own) is not None else "—",
            "score": score_figure(data.get("score"), backtest.agent_type),
            "hash_match": data.get("hash_match"),
        })
    base = reverse("lab-detail", args=[backtest.pk])
    links = [(n, f"{base}?arm={arm.index}&page={n}#ticks") for n in range(1, pages + 1)]
    return TickTable(arm=arm, rows=rows, page=page, pages=pages, links=links)


def own_label(agent_type: str) -> str:
    own = headline(agent_type)
    return str(LAB_LABELS[own]) if own else ""
