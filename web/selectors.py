"""Reads the web pages need that the domain apps do not offer as one call. Each one combines
domain selectors and models in a fixed number of queries; nothing here writes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from celery.result import AsyncResult
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber

from history.models import TickAggregate, TickAudit
from scripts_lib.models import Mount, Rotation, Script, ScriptFailure, ScriptTickLog, ScriptVersion
from scripts_lib.selectors import scripts_visible
from simulations.models import ACTIVE_OUTCOMES, Agent, DayRun, Schedule, Simulation
from simulations.selectors import day_runs_with_liveness
from simulations.worlds import CheckpointMissing, world_load

# Celery's state names for a run's outcome, where no result backend keeps them (eager mode).


@dataclass
class AgentCard:
    agent: Agent
    mount: Mount | None = None
    balance_sheet: dict[str, int] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    logs: list[ScriptTickLog] = field(default_factory=list)
    failures: list[ScriptFailure] = field(default_factory=list)


@dataclass
class SimulationCard:
    simulation: Simulation
    agents: list[AgentCard]
    free: dict[str, int]  # free agents per type


def active_runs(*, simulation_ids: list[int]) -> dict[int, DayRun]:
    """The newest queued or running DayRun of each simulation, with its liveness."""
    runs: dict[int, DayRun] = {}
    for run in (DayRun.objects.filter(simulation_id__in=simulation_ids,
                                      outcome__in=ACTIVE_OUTCOMES)
                .order_by("-created_at")):
        runs.setdefault(run.simulation_id, run)
    day_runs_with_liveness(runs.values())
    return runs


def running_days() -> list[DayRun]:
    """The queued or running day of each open simulation, with its simulation (one query: the
    live strip is polled every few seconds)."""
    runs: dict[int, DayRun] = {}
    for run in (DayRun.objects.filter(simulation__archived_at__isnull=True,
                                      outcome__in=ACTIVE_OUTCOMES)
                .select_related("simulation").order_by("-created_at")):
        runs.setdefault(run.simulation_id, run)
    return sorted(runs.values(), key=lambda run: run.simulation.name)


def live_signature(*, running: list[DayRun]) -> str:
    """Changes whenever an open simulation advances or a run starts or ends: the polling
    partial compares it with the one the page was drawn at to decide what to refresh."""
    ticks = sorted(Simulation.objects.filter(archived_at__isnull=True).values_list("pk", "tick"))
    runs = ",".join(str(run.pk) for run in sorted(running, key=lambda run: run.pk))
    return ".".join(f"{pk}-{tick}" for pk, tick in ticks) + f"r{runs}"


def dashboard_simulations(*, user: AbstractBaseUser) -> list[SimulationCard]:
    """Every open simulation with the user's agents in it: their mount, balance sheet and state
    at the current tick, last script output and last failures."""
    simulations = list(Simulation.objects.filter(archived_at__isnull=True).order_by("-created_at"))
    ids = [s.pk for s in simulations]
    agents = list(Agent.objects.filter(simulation_id__in=ids, owner=user)
                  .order_by("agent_type", "engine_id"))
    mounts = {m.agent_id: m for m in Mount.objects.filter(
        agent__in=agents, active=True).select_related("script_version__script")}
    free = {}
    for sim_id, agent_type, count in (Agent.objects.filter(simulation_id__in=ids,
                                                           owner__isnull=True)
                                      .values_list("simulation_id", "agent_type")
                                      .annotate(n=Count("id")).order_by()):
        free.setdefault(sim_id, {})[agent_type] = count
    logs = _latest(ScriptTickLog.objects.filter(mount__in=list(mounts.values())),
                   per="mount_id", order=("-tick",))
    failures = _latest(ScriptFailure.objects.filter(agent__in=agents),
                       per="agent_id", order=("-tick", "-id"))
    cards = []
    for simulation in simulations:
        mine = [a for a in agents if a.simulation_id == simulation.pk]
        cards.append(SimulationCard(
            simulation=simulation, free=free.get(simulation.pk, {}),
            agents=[_agent_card(a, mounts.get(a.pk), logs, failures) for a in mine]))
        _fill_from_world(simulation, cards[-1].agents)
    return cards


CARD_ROWS = 3  # last script outputs and last failures shown on an agent's card


def _latest(rows: QuerySet, *, per: str, order: tuple[str, ...]) -> dict[int, list]:
    """The CARD_ROWS newest rows of each `per` group, in one query (a window per group)."""
    ranked = rows.annotate(card_rank=Window(RowNumber(), partition_by=[F(per)],
                                            order_by=[OrderBy(F(o.lstrip("-")),
                                                              descending=o.startswith("-"))
                                                      for o in order]))
    grouped: dict[int, list] = {}
    for row in ranked.filter(card_rank__lte=CARD_ROWS).order_by(per, "card_rank"):
        grouped.setdefault(getattr(row, per), []).append(row)
    return grouped


def _agent_card(agent: Agent, mount: Mount | None, logs: dict[int, list[ScriptTickLog]],
                failures: dict[int, list[ScriptFailure]]) -> AgentCard:
    card = AgentCard(agent=agent, mount=mount, failures=failures.get(agent.pk, []))
    if mount is not None:
        card.logs = logs.get(mount.pk, [])
    return card


def _fill_from_world(simulation: Simulation, cards: list[AgentCard]) -> None:
    """Balance sheets and own state come from the world at the current tick (the Redis cache,
    else the checkpoint): one load per simulation, only when the user has agents in it."""
    if not cards:
        return
    try:
        world, _ = world_load(simulation_id=simulation.pk, tick=simulation.tick)
    except CheckpointMissing:
        return
    refs = [c.agent.ref for c in cards]
    observations = world.observations(refs)
    for card in cards:
        card.balance_sheet = world.balance_sheet(card.agent.ref)
        own = observations[card.agent.ref]["own"]
        # Lists (worker ids, loan contracts) are long and not what a glance needs.
        card.state = {k: v for k, v in own.items() if not isinstance(v, list | dict)}


def economy_simulations(*, user: AbstractBaseUser) -> list[Simulation]:
    """Simulations whose history the user may read (participant or operator)."""
    rows = Simulation.objects.filter(archived_at__isnull=True)
    if not user.is_staff:
        rows = rows.filter(agents__owner=user).distinct()
    return list(rows.order_by("-created_at"))


def task_progress(*, task_id: str) -> dict[str, Any] | None:
    """A run task's state and progress, as the simulations API's task endpoint reports it
    (Celery's result backend while it runs, the DayRun row otherwise); None if unknown."""
    run = DayRun.objects.filter(task_id=task_id).select_related("simulation").first()
    if run is not None:
        day_runs_with_liveness([run])
    result = AsyncResult(task_id)
    state = result.state
    if run is None and state == "PENDING":  # Celery says PENDING for any unknown id
        return None
    info = result.info if isinstance(result.info, dict) else {}
    current = info.get("current", info.get("ticks_done", run.ticks_done if run else 0))
    total = info.get("total", run.ticks_requested if run else 0)
    if run is not None and run.ticks_done > (current or 0):
        current = run.ticks_done  # the row commits with the tick; the backend may lag
    done = state in ("SUCCESS", "FAILURE", "REVOKED") or (
        run is not None and run.outcome not in ACTIVE_OUTCOMES)
    return {"task_id": task_id, "state": state, "current": current or 0, "total": total or 0,
            "run": run, "done": done}


def operator_simulations() -> list[Simulation]:
    """Every simulation with its schedules, active run, agent counts and the history audit's
    verdict (last tick audited, failed ticks), in a fixed number of queries."""
    last_audit = TickAudit.objects.filter(simulation_id=OuterRef("pk")).order_by("-tick")
    rows = (Simulation.objects.order_by("archived_at", "-created_at")
            .prefetch_related(Prefetch("schedules", queryset=Schedule.objects.order_by("id")))
            .annotate(
                audit_tick=Subquery(last_audit.values("tick")[:1]),
                audit_passed=Subquery(last_audit.values("all_passed")[:1]),
                audit_failed=Subquery(
                    TickAudit.objects.filter(simulation_id=OuterRef("pk"), all_passed=False)
                    .values("simulation_id").annotate(n=Count("id")).values("n")[:1]),
                agents_total=Subquery(_agent_count(Q())),
                agents_claimed=Subquery(_agent_count(Q(owner__isnull=False)))))
    simulations = list(rows)
    runs = active_runs(simulation_ids=[s.pk for s in simulations])
    for simulation in simulations:
        simulation.active_run = runs.get(simulation.pk)
    return simulations


def _agent_count(condition: Q) -> QuerySet:
    return (Agent.objects.filter(condition, simulation_id=OuterRef("pk")).order_by()
            .values("simulation_id").annotate(n=Count("id")).values("n")[:1])


def recent_failures(*, limit: int = 20) -> list[ScriptFailure]:
    """Script failures across every user, newest first (operators)."""
    return list(ScriptFailure.objects.select_related("owner", "agent", "simulation",
                                                     "version__script")
                .order_by("-created_at", "-id")[:limit])


def recent_failed_runs(*, limit: int = 10) -> list[DayRun]:
    return list(DayRun.objects.filter(outcome=DayRun.Outcome.FAILED)
                .select_related("simulation", "requested_by").order_by("-created_at")[:limit])


def latest_tick(*, simulation_id: int) -> int | None:
    return (TickAggregate.objects.filter(simulation_id=simulation_id).order_by("-tick")
            .values_list("tick", flat=True).first())


# --- the script editor -------------------------------------------------------------------

def version_diff(*, old: ScriptVersion, new: ScriptVersion) -> list[dict[str, Any]]:
    """Side-by-side rows of a line diff: {kind, old_no, old, new_no, new}; kind is equal,
    replace, delete, insert or skip (a run of unchanged lines folded away)."""
    a, b = old.source.splitlines(), new.source.splitlines()
    rows: list[dict[str, Any]] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(3):
        if rows:
            rows.append({"kind": "skip"})
        for tag, i1, i2, j1, j2 in group:
            left, right = range(i1, i2), range(j1, j2)
            for k in range(max(len(left), len(right))):
                i = left[k] if k < len(left) else None
                j = right[k] if k < len(right) else None
                rows.append({"kind": tag if tag != "replace" or (i is not None and j is not None)
                             else ("delete" if j is None else "insert"),
                             "old_no": None if i is None else i + 1,
                             "old": None if i is None else a[i],
                             "new_no": None if j is None else j + 1,
                             "new": None if j is None else b[j]})
    return rows


def owned_agents(*, user: AbstractBaseUser, agent_type: str | None = None) -> list[Agent]:
    """The user's agents in open simulations (what a dry run or a mount may target), with
    their active mount's version when they have one."""
    rows = (Agent.objects.filter(owner=user, simulation__archived_at__isnull=True)
            .select_related("simulation").order_by("simulation_id", "agent_type", "engine_id"))
    if agent_type:
        rows = rows.filter(agent_type=agent_type)
    agents = list(rows)
    mounts = {m.agent_id: m for m in Mount.objects.filter(agent__in=agents, active=True)
              .select_related("script_version__script")}
    for agent in agents:
        agent.active_mount = mounts.get(agent.pk)
    return agents


def my_scripts(*, user: AbstractBaseUser) -> list[Script]:
    """The user's own scripts, each with `active_mounts`: where a version of it drives an
    agent now, in open simulations (two queries)."""
    scripts = list(scripts_visible(user=user).filter(owner=user))
    mounts = (Mount.objects.filter(script_version__script__in=[s.pk for s in scripts],
                                   active=True, simulation__archived_at__isnull=True)
              .select_related("agent", "simulation", "script_version")
              .order_by("simulation_id", "agent__agent_type", "agent__engine_id"))
    by_script: dict[int, list[Mount]] = {s.pk: [] for s in scripts}
    for mount in mounts:
        by_script[mount.script_version.script_id].append(mount)
    for script in scripts:
        script.active_mounts = by_script[script.pk]
    return scripts


def script_mounts(*, script_id: int) -> list[Mount]:
    """Active mounts of any version of the script in open simulations (an archived one is
    gone from every user page), with their pending rotation."""
    pending = Rotation.objects.filter(status=Rotation.Status.PENDING).select_related(
        "new_version")
    return list(Mount.objects.filter(script_version__script_id=script_id, active=True,
                                     simulation__archived_at__isnull=True)
                .select_related("agent", "simulation", "script_version__script")
                .prefetch_related(Prefetch("rotations", queryset=pending, to_attr="pending"))
                .order_by("simulation_id", "agent_id"))


def free_agent(*, simulation_id: int, agent_type: str) -> Agent | None:
    """The first free agent of a type (the dashboard's "claim one for me")."""
    return (Agent.objects.filter(simulation_id=simulation_id, agent_type=agent_type,
                                 owner__isnull=True).order_by("engine_id").first())


def agent_by_ref(*, simulation_id: int, agent_type: str, engine_id: int) -> Agent | None:
    return Agent.objects.filter(simulation_id=simulation_id, agent_type=agent_type,
                                engine_id=engine_id).first()
