"""What an agent's page shows: its balance-sheet history (per tick while claimed, day ends
otherwise), its trades and ledger postings, and its script's history, each a keyset page with
filters. Reads only, through the history and orchestration selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from history.models import DecisionRecord
from history.pagination import cursor_encode, page_fetch, rows_iterate
from history.postings import KIND_ACCOUNTS
from history.selectors import (
    Access,
    balances_query,
    history_access,
    ledger_query,
    trades_query,
)
from orchestration.agent_history import (
    agent_for_user,
    agent_versions,
    script_history_page,
    script_history_query,
)
from scripts_lib.models import FailureKind
from simulations.engine.vocabulary import AGENT_TYPE_CODES, AGENT_TYPES, MARKETS
from simulations.models import AGENT_TYPE_LABELS, Agent
from web.figures import (
    BALANCE_SOURCES,
    KIND_LABELS,
    MARKET_LABELS,
    OUTCOME_LABELS,
    Unit,
    archive_label,
    figure,
    figure_label,
    figure_unit,
    money,
)

TABS = ("balance", "trades", "ledger", "script")
PAGE_ROWS = 50
CHART_POINTS = 2000  # the chart is thinned evenly past this many ticks
CHART_READ_MAX = 50_000  # rows the chart reads at most (about 140 days of 24 ticks)


@dataclass
class TabPage:
    rows: list[Any]
    next_url: str | None = None
    first_url: str | None = None  # set when this is not the first page
    csv_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def agent_page_agent(*, user: AbstractBaseUser, agent_id: int) -> Agent:
    """The agent with its simulation, for its owner and operators; anyone else: 404."""
    simulation_id = (Agent.objects.filter(pk=agent_id)
                     .values_list("simulation_id", flat=True).first())
    if simulation_id is None:
        raise Http404("No such agent.")
    return agent_for_user(user=user, simulation_id=simulation_id, agent_id=agent_id)


def agent_ref_text(agent: Agent) -> str:
    return f"{agent.agent_type}:{agent.engine_id}"


def _key(agent: Agent) -> tuple[int, int]:
    return (AGENT_TYPE_CODES[agent.agent_type], agent.engine_id)


def _links(path: str, params: QueryDict, after: tuple[int, int] | None,
           has_more: bool) -> tuple[str | None, str | None]:
    """(next page, first page) links: this page's filters, the cursor replaced."""
    base = params.copy()
    base.pop("cursor", None)
    first = f"{path}?{base.urlencode()}" if "cursor" in params else None
    if not has_more:
        return None, first
    base["cursor"] = cursor_encode(after)
    return f"{path}?{base.urlencode()}", first


def _csv(route: str, agent: Agent, **filters: Any) -> str:
    query = {"agent": agent_ref_text(agent), "format": "csv",
             **{k: v for k, v in filters.items() if v not in (None, "")}}
    return (f"{reverse(route, kwargs={'simulation_id': agent.simulation_id})}?"
            f"{urlencode(query)}")


def _agent_words(type_code: int, engine_id: int) -> str:
    agent_type = AGENT_TYPES[type_code]
    return f"{AGENT_TYPE_LABELS.get(agent_type, agent_type)} {engine_id}"


def balance_tab(*, access: Access, agent: Agent, filters: dict, after: Any, path: str,
                params: QueryDict) -> TabPage:
    ticks = {k: filters.get(k) for k in ("tick_from", "tick_to")}
    query = balances_query(access=access, agent=_key(agent), **ticks)
    page = page_fetch(query=query, after=after, limit=PAGE_ROWS)
    keys: list[str] = []
    for row in page.rows:
        keys += [k for k in row.balance_sheet if k not in keys]
    rows = [{"tick": r.tick, "day": r.day, "source": archive_label(BALANCE_SOURCES, r.source),
             "per_tick": r.source == "tick",
             "cells": [(figure_label(k), figure(r.balance_sheet.get(k), k)) for k in keys]}
            for r in page.rows]
    next_url, first_url = _links(path, params, page.after, page.has_more)
    return TabPage(rows=rows, next_url=next_url, first_url=first_url,
                   csv_url=_csv("api-history-balance", agent, **ticks),
                   extra={"columns": [figure_label(k) for k in keys],
                          "chart": balance_chart(query)})


def balance_chart(query: Any) -> dict[str, Any]:
    """The money figures of the balance sheets in the filtered range, in currency units,
    thinned evenly past CHART_POINTS ticks."""
    rows = list(islice(rows_iterate(query=query), CHART_READ_MAX))
    if len(rows) > CHART_POINTS:
        step = len(rows) / CHART_POINTS
        rows = [rows[int(i * step)] for i in range(CHART_POINTS)] + [rows[-1]]
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row.balance_sheet
                 if k not in keys and _is_money(k) and isinstance(row.balance_sheet[k],
                                                                   int | float)]
    return {"ticks": [r.tick for r in rows], "days": [r.day for r in rows],
            "series": [{"key": k, "label": figure_label(k),
                        "values": [None if r.balance_sheet.get(k) is None
                                   else r.balance_sheet[k] / 100 for r in rows]}
                       for k in keys]}


def _is_money(key: str) -> bool:
    try:
        return figure_unit(key) == Unit.MONEY
    except KeyError:
        return False


def trades_tab(*, access: Access, agent: Agent, filters: dict, after: Any, path: str,
               params: QueryDict) -> TabPage:
    picked = {k: filters.get(k) for k in ("tick_from", "tick_to")}
    market = filters.get("market") or None
    query = trades_query(access=access, agent=_key(agent), market=market, **picked)
    page = page_fetch(query=query, after=after, limit=PAGE_ROWS)
    me = _key(agent)
    rows = [{"tick": t.tick, "market": archive_label(MARKET_LABELS, MARKETS[t.market]),
             "side": _("bought") if (t.buyer_type, t.buyer_id) == me else _("sold"),
             "buyer": _agent_words(t.buyer_type, t.buyer_id),
             "seller": _agent_words(t.seller_type, t.seller_id),
             "quantity": t.quantity, "price": None if t.price is None else money(t.price),
             "value": money(t.value)} for t in page.rows]
    next_url, first_url = _links(path, params, page.after, page.has_more)
    return TabPage(rows=rows, next_url=next_url, first_url=first_url,
                   csv_url=_csv("api-history-trades", agent, market=market, **picked))


def ledger_tab(*, access: Access, agent: Agent, filters: dict, after: Any, path: str,
               params: QueryDict) -> TabPage:
    picked = {k: filters.get(k) for k in ("tick_from", "tick_to")}
    kind = filters.get("kind") or None
    query = ledger_query(access=access, agent=_key(agent), kind=kind, **picked)
    page = page_fetch(query=query, after=after, limit=PAGE_ROWS)
    me = _key(agent)
    rows = []
    for e in page.rows:
        incoming = (e.credit_type, e.credit_id) == me
        debit, credit = KIND_ACCOUNTS.get(e.kind, ("", ""))
        rows.append({"tick": e.tick, "phase": e.phase, "kind": archive_label(KIND_LABELS, e.kind),
                     "code": e.kind, "incoming": incoming,
                     "direction": _("in") if incoming else _("out"),
                     "from": _agent_words(e.debit_type, e.debit_id), "from_account": debit,
                     "to": _agent_words(e.credit_type, e.credit_id), "to_account": credit,
                     "amount": money(e.amount)})
    next_url, first_url = _links(path, params, page.after, page.has_more)
    return TabPage(rows=rows, next_url=next_url, first_url=first_url,
                   csv_url=_csv("api-history-ledger", agent, kind=kind, **picked))


def outcome_words(row: Any) -> str:
    """The outcome of a call with its rule, in the reader's language (the engine's own rule
    text is shown beside it, as code)."""
    if row.outcome == DecisionRecord.Outcome.FAILED:
        kind = str(FailureKind(row.rule).label) if row.rule in FailureKind.values else row.rule
        return _("Failed: %(kind)s") % {"kind": kind}
    if row.outcome == DecisionRecord.Outcome.REJECTED:
        return _("Rejected: the agent followed its baseline rule this tick")
    return archive_label(OUTCOME_LABELS, row.outcome)


def script_tab(*, agent: Agent, filters: dict, after: Any, path: str,
               params: QueryDict) -> TabPage:
    query = script_history_query(
        agent=agent, version_id=filters.get("version"), outcome=filters.get("outcome") or None,
        tick_from=filters.get("tick_from"), tick_to=filters.get("tick_to"))
    page = script_history_page(agent=agent, query=query, after=after, limit=PAGE_ROWS)
    for row in page.rows:
        row.words = outcome_words(row)
        row.failure_labels = [
            {"label": str(FailureKind(f["kind"]).label) if f["kind"] in FailureKind.values
             else f["kind"], "message": f["message"]} for f in row.failures]
    next_url, first_url = _links(path, params, page.after, page.has_more)
    return TabPage(rows=page.rows, next_url=next_url, first_url=first_url,
                   extra={"versions": agent_versions(agent=agent)})


def agent_access(*, user: AbstractBaseUser, agent: Agent) -> Access:
    return history_access(simulation_id=agent.simulation_id, user=user)
