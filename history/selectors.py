"""Reads of the archive: who may see what, and the filtered lists the API pages through.

Participants (users owning an agent of the simulation) see the public series (aggregates,
audit, tick logs) and the ledger, trades and snapshots of their own agents; operators (staff)
see everything; anyone else gets the 404 of a missing simulation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ErrorDetail, PermissionDenied, ValidationError

from history.balances import BalanceQuery
from history.block_pages import AgentKey, BlockQuery
from history.blocks import LEDGER, TRADES, BlockArchive
from history.models import (
    AgentScore,
    AgentSnapshot,
    LedgerBatch,
    TickAggregate,
    TickAudit,
    TickLog,
    TradeBatch,
)
from history.pagination import Query
from history.postings import kinds_touching
from simulations.engine.vocabulary import AGENT_TYPE_CODES, MARKET_CODES
from simulations.models import Agent, Simulation
from simulations.selectors import simulation_get


@dataclass(frozen=True)
class Access:
    simulation: Simulation
    operator: bool
    agents: tuple[AgentKey, ...]  # the user's own agents in the simulation

    def visible_agents(self, agent: AgentKey | None) -> list[AgentKey] | None:
        """The agents whose private rows a list may show; None means all of them."""
        if agent is not None:
            if not self.operator and agent not in self.agents:
                raise PermissionDenied("agent: You can only see the history of your own agents.")
            return [agent]
        return None if self.operator else list(self.agents)


def history_access(*, simulation_id: int, user: AbstractBaseUser) -> Access:
    """Participants and operators; anyone else, and users asking for an archived
    simulation, get the 404 of a missing one (the simulations' one gate)."""
    simulation = simulation_get(user=user, simulation_id=simulation_id, participants_only=True)
    owned = Agent.objects.filter(simulation_id=simulation_id, owner_id=user.pk).values_list(
        "agent_type", "engine_id")
    agents = tuple((AGENT_TYPE_CODES[t], int(i)) for t, i in owned)
    return Access(simulation=simulation, operator=bool(user.is_staff), agents=agents)


def _ticks(rows, tick_from: int | None, tick_to: int | None, name: str = "tick"):
    if tick_from is not None:
        rows = rows.filter(**{f"{name}__gte": tick_from})
    if tick_to is not None:
        rows = rows.filter(**{f"{name}__lte": tick_to})
    return rows


def tick_logs_query(*, access: Access, tick_from: int | None = None, tick_to: int | None = None,
                    day_from: int | None = None, day_to: int | None = None,
                    message: str | None = None, level: str | None = None) -> Query:
    rows = _ticks(TickLog.objects.filter(simulation_id=access.simulation.pk), tick_from, tick_to)
    rows = _ticks(rows, day_from, day_to, "day")
    if message:
        rows = rows.filter(message__icontains=message)
    if level:
        rows = rows.filter(level=level)
    return Query(rows=rows)


def trades_query(*, access: Access, tick_from: int | None = None, tick_to: int | None = None,
                 market: str | None = None, agent: AgentKey | None = None) -> BlockQuery:
    batches = _ticks(TradeBatch.objects.filter(simulation_id=access.simulation.pk),
                     tick_from, tick_to)
    if market is not None:
        batches = batches.filter(market=MARKET_CODES[market])
    return _block_query(TRADES, access, batches, tick_from, tick_to, agent,
                        narrowed=market is not None)


def ledger_query(*, access: Access, tick_from: int | None = None, tick_to: int | None = None,
                 kind: str | None = None, account: str | None = None,
                 agent: AgentKey | None = None) -> BlockQuery:
    batches = _ticks(LedgerBatch.objects.filter(simulation_id=access.simulation.pk),
                     tick_from, tick_to)
    if kind:
        batches = batches.filter(kind=kind)
    if account:
        batches = batches.filter(kind__in=kinds_touching(account))
    return _block_query(LEDGER, access, batches, tick_from, tick_to, agent,
                        narrowed=bool(kind or account))


def _block_query(archive: BlockArchive, access: Access, batches: QuerySet,
                 tick_from: int | None, tick_to: int | None, agent: AgentKey | None,
                 narrowed: bool) -> BlockQuery:
    agent_ticks = archive.agent_ticks.objects.filter(simulation_id=access.simulation.pk)
    return BlockQuery(model=archive.rows, simulation_id=access.simulation.pk, batches=batches,
                      agent_ticks=_ticks(agent_ticks, tick_from, tick_to),
                      agents=access.visible_agents(agent), narrowed=narrowed)


def snapshots_query(*, access: Access, day: int | None = None, day_from: int | None = None,
                    day_to: int | None = None, agent: AgentKey | None = None) -> Query:
    rows = AgentSnapshot.objects.filter(simulation_id=access.simulation.pk)
    if day is not None:
        rows = rows.filter(day=day)
    rows = _ticks(rows, day_from, day_to, "day")
    agents = access.visible_agents(agent)
    branches = None if agents is None else [Q(agent_type=t, agent_id=i) for t, i in agents]
    return Query(rows=rows, order=("day", "id"), branches=branches, distinct=False)


def balances_query(*, access: Access, agent: AgentKey, tick_from: int | None = None,
                   tick_to: int | None = None) -> BalanceQuery:
    """One agent's balance sheets: every tick it had an owner, the day ends otherwise."""
    (visible,) = access.visible_agents(agent)
    return BalanceQuery(simulation_id=access.simulation.pk, agent=visible, tick_from=tick_from,
                        tick_to=tick_to)


def aggregates_query(*, access: Access, tick_from: int | None = None,
                     tick_to: int | None = None) -> Query:
    rows = TickAggregate.objects.filter(simulation_id=access.simulation.pk)
    return Query(rows=_ticks(rows, tick_from, tick_to))


def aggregate_fields_check(*, access: Access, fields: list[str]) -> None:
    """Unknown series names are a 400; the names are those the simulation's latest tick
    published (the engine owns the list, and it may grow)."""
    latest = (TickAggregate.objects.filter(simulation_id=access.simulation.pk)
              .order_by("-tick").values_list("data", flat=True).first())
    if latest is None:
        return
    unknown = [name for name in fields if name not in latest]
    if unknown:
        raise ValidationError({"fields": [ErrorDetail(
            f"Unknown series {', '.join(unknown)}; known: {', '.join(sorted(latest))}.",
            "unknown_field")]})


def audit_query(*, access: Access, tick_from: int | None = None,
                tick_to: int | None = None) -> Query:
    rows = TickAudit.objects.filter(simulation_id=access.simulation.pk)
    return Query(rows=_ticks(rows, tick_from, tick_to))


def recent_tick_logs(*, simulation_id: int, ticks: int) -> Query:
    """Tick logs of the last `ticks` ticks the archive holds (the operator's download)."""
    logs = TickLog.objects.filter(simulation_id=simulation_id)
    last = logs.order_by("-tick").values_list("tick", flat=True).first()
    if last is None:
        return Query(rows=logs.none())
    return Query(rows=logs.filter(tick__gt=last - ticks))


def recent_logs_query(*, access: Access, ticks: int) -> Query:
    if not access.operator:
        raise PermissionDenied("Only operators may download the recent logs.")
    return recent_tick_logs(simulation_id=access.simulation.pk, ticks=ticks)


def simulation_latest_aggregates(*, simulation_id: int) -> dict[str, Any] | None:
    """The last tick's aggregates row (tick, day, data), or None before the first tick."""
    return (TickAggregate.objects.filter(simulation_id=simulation_id).order_by("-tick")
            .values("tick", "day", "data").first())


def scores_latest_day(*, simulation_id: int) -> int | None:
    """The last scored day of a simulation (None before its first day is scored)."""
    return (AgentScore.objects.filter(simulation_id=simulation_id).order_by("-day")
            .values_list("day", flat=True).first())


def scores_totals(*, simulation_id: int, agent_type: str,
                  days: set[int]) -> dict[int, dict[int, int | float]]:
    """day -> engine id -> the running total of the agent's score after that day (cents for
    firms and banks, exact; utility for households). Day 0 is all zeros: pass it, get {}."""
    code = AGENT_TYPE_CODES[agent_type]
    wanted = sorted(d for d in days if d >= 1)
    out: dict[int, dict[int, int | float]] = {d: {} for d in days}
    column = "total" if agent_type == "household" else "total_cents"
    for day, agent_id, total in AgentScore.objects.filter(
            simulation_id=simulation_id, day__in=wanted, agent_type=code,
    ).values_list("day", "agent_id", column):
        out[day][agent_id] = total
    return out
