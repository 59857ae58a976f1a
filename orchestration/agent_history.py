"""One agent's script history: every archived script call (history.DecisionRecord) joined with
the version that made it (scripts_lib.ScriptVersion), what it printed (ScriptTickLog) and the
failures recorded for it (ScriptFailure). Here because it reads both apps, which never import
each other.

A page is a keyset page of decision records in (tick, id) order, then one query per joined
table for the page's rows: four queries whatever the page size. Rows span version switches
(the agent, not the mount, is the key); each row names its version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404

from history.models import DecisionRecord
from history.pagination import Page, Query, page_fetch
from scripts_lib.models import ScriptFailure, ScriptTickLog, ScriptVersion
from simulations.engine.vocabulary import AGENT_TYPE_CODES
from simulations.models import Agent
from simulations.selectors import simulation_get


@dataclass
class ScriptHistoryRow:
    id: int
    tick: int
    day: int
    outcome: str  # DecisionRecord.Outcome
    decision: dict | None
    field: str  # the engine's field of a rejection
    rule: str  # the engine's rule of a rejection, the sandbox's failure kind of a failure
    cpu_ms: float
    version_id: int
    mount_id: int
    version_number: int | None = None
    script_id: int | None = None
    script_name: str = ""
    output: str = ""  # what the script printed at this tick
    failures: list[dict[str, Any]] = field(default_factory=list)  # {kind, message}


def agent_for_user(*, user: AbstractBaseUser, simulation_id: int, agent_id: int) -> Agent:
    """The agent, if `user` owns it now or is an operator. A missing, another user's and a
    free agent, and (to users) an archived simulation's, are the same 404."""
    simulation = simulation_get(user=user, simulation_id=simulation_id)
    agent = Agent.objects.filter(pk=agent_id, simulation_id=simulation.pk).first()
    if agent is None or not (user.is_staff or agent.owner_id == user.pk):
        raise Http404("No such agent.")
    agent.simulation = simulation
    return agent


def agent_versions(*, agent: Agent) -> list[ScriptVersion]:
    """Every version that has decided for the agent (the history's version filter), newest
    first, with its script."""
    ids = (DecisionRecord.objects.filter(simulation_id=agent.simulation_id,
                                         agent_type=AGENT_TYPE_CODES[agent.agent_type],
                                         agent_id=agent.engine_id)
           .order_by().values_list("version_id", flat=True).distinct())
    return list(ScriptVersion.objects.filter(pk__in=list(ids)).select_related("script")
                .order_by("-created_at", "-id"))


def script_history_query(*, agent: Agent, version_id: int | None = None,
                         outcome: str | None = None, tick_from: int | None = None,
                         tick_to: int | None = None) -> Query:
    rows = DecisionRecord.objects.filter(simulation_id=agent.simulation_id,
                                         agent_type=AGENT_TYPE_CODES[agent.agent_type],
                                         agent_id=agent.engine_id)
    if version_id is not None:
        rows = rows.filter(version_id=version_id)
    if outcome is not None:
        rows = rows.filter(outcome=outcome)
    if tick_from is not None:
        rows = rows.filter(tick__gte=tick_from)
    if tick_to is not None:
        rows = rows.filter(tick__lte=tick_to)
    return Query(rows=rows.defer("memory"))


def script_history_page(*, agent: Agent, query: Query, after: tuple[int, int] | None = None,
                        offset: int = 0, limit: int) -> Page:
    """One page of the agent's script calls, each joined with its version, output and
    failures."""
    page = page_fetch(query=query, after=after, offset=offset, limit=limit)
    page.rows = script_history_rows(agent=agent, records=page.rows)
    return page


def script_history_rows(*, agent: Agent,
                        records: list[DecisionRecord]) -> list[ScriptHistoryRow]:
    if not records:
        return []
    ticks = sorted({r.tick for r in records})
    versions = {v.pk: v for v in ScriptVersion.objects.filter(
        pk__in={r.version_id for r in records}).select_related("script")}
    outputs = {(m, t): out for m, t, out in ScriptTickLog.objects.filter(
        mount_id__in={r.mount_id for r in records}, tick__in=ticks).values_list(
        "mount_id", "tick", "output")}
    failures: dict[int, list[dict[str, Any]]] = {}
    for tick, kind, message in (ScriptFailure.objects.filter(agent=agent, tick__in=ticks)
                                .order_by("tick", "id").values_list("tick", "kind", "message")):
        failures.setdefault(tick, []).append({"kind": kind, "message": message})
    rows = []
    for r in records:
        version = versions.get(r.version_id)
        rows.append(ScriptHistoryRow(
            id=r.pk, tick=r.tick, day=r.day, outcome=r.outcome, decision=r.decision,
            field=r.field, rule=r.rule, cpu_ms=r.cpu_ms, version_id=r.version_id,
            mount_id=r.mount_id, version_number=version.number if version else None,
            script_id=version.script_id if version else None,
            script_name=version.script.name if version else "",
            output=outputs.get((r.mount_id, r.tick), ""), failures=failures.get(r.tick, [])))
    return rows
