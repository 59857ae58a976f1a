"""Reads of simulations: lists, details, the cached public state, the console's figures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from history.models import TickAggregate, TickAudit, TickLog
from simulations.models import Agent, DayRun, Schedule, Shock, Simulation
from simulations.orchestrator.worlds import public_state, world_load
from simulations.world_cache import world_cache_state, world_cache_store_state


def simulations_visible(*, user: AbstractBaseUser) -> QuerySet[Simulation]:
    """Operators see every simulation; users those not archived."""
    rows = Simulation.objects.select_related("created_by").order_by("-created_at")
    return rows if user.is_staff else rows.filter(archived_at__isnull=True)


def simulation_get(*, user: AbstractBaseUser, simulation_id: int,
                   participants_only: bool = False) -> Simulation:
    """The one gate of every user request that names a simulation (API views, pages, history).

    Raises the same Http404 for a missing id, an archived simulation (to users, archived
    means gone) and, with `participants_only`, a simulation where the user owns no agent: a
    stranger cannot tell which of these it is. Operators (staff) pass for every simulation."""
    rows = simulations_visible(user=user)
    if participants_only and not user.is_staff:
        rows = rows.filter(Exists(Agent.objects.filter(simulation_id=OuterRef("pk"),
                                                       owner_id=user.pk)))
    simulation = rows.filter(pk=simulation_id).first()
    if simulation is None:
        raise Http404("No such simulation.")
    return simulation


def simulation_latest_aggregates(*, simulation_id: int) -> dict[str, Any] | None:
    return (TickAggregate.objects.filter(simulation_id=simulation_id).order_by("-tick")
            .values("tick", "day", "data").first())


def agents_list(*, simulation_id: int, agent_type: str | None = None,
                owner_id: int | None = None, free: bool | None = None) -> QuerySet[Agent]:
    rows = Agent.objects.filter(simulation_id=simulation_id).select_related("owner")
    if agent_type:
        rows = rows.filter(agent_type=agent_type)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if free is not None:
        rows = rows.filter(owner__isnull=free)
    return rows.order_by("agent_type", "engine_id")


def simulation_state(*, simulation_id: int) -> dict[str, Any]:
    """Public market data of the last tick from the Redis cache; after a flush it is rebuilt
    once from the PostgreSQL checkpoint (and cached again)."""
    state = world_cache_state(simulation_id=simulation_id)
    tick = Simulation.objects.values_list("tick", flat=True).get(pk=simulation_id)
    if state is not None and state["tick"] == tick:
        return state
    world, _ = world_load(simulation_id=simulation_id, tick=tick)
    state = public_state(simulation_id=simulation_id, world=world, state_hash=world.state_hash())
    world_cache_store_state(simulation_id=simulation_id, state=state)
    return state


def shocks_list(*, simulation_id: int) -> QuerySet[Shock]:
    return Shock.objects.filter(simulation_id=simulation_id).select_related("created_by")


def schedules_list(*, simulation_id: int) -> QuerySet[Schedule]:
    return Schedule.objects.filter(simulation_id=simulation_id)


def day_run_by_task(*, task_id: str) -> DayRun | None:
    return DayRun.objects.filter(task_id=task_id).select_related("simulation").first()


def console_overview(*, simulation_id: int) -> dict[str, Any]:
    """What the operator console's detail page shows, in a fixed number of queries."""
    runs = (DayRun.objects.filter(simulation_id=simulation_id)
            .select_related("requested_by").order_by("-created_at"))
    audits = TickAudit.objects.filter(simulation_id=simulation_id)
    counts = audits.aggregate(ticks=Count("id"), failed=Count("id", filter=Q(all_passed=False)))
    return {
        "aggregates": simulation_latest_aggregates(simulation_id=simulation_id),
        "active_runs": list(runs.filter(outcome__in=[DayRun.Outcome.QUEUED,
                                                     DayRun.Outcome.RUNNING])[:5]),
        "recent_runs": list(runs[:10]),
        "failures": list(runs.filter(outcome=DayRun.Outcome.FAILED)[:5]),
        "last_audit": audits.order_by("-tick").values("tick", "all_passed", "invariants",
                                                       "state_hash").first(),
        "audit_counts": counts,
        "logs": list(TickLog.objects.filter(simulation_id=simulation_id)
                     .order_by("-tick", "-id")[:20]),
        "shocks": list(Shock.objects.filter(simulation_id=simulation_id)
                       .order_by("-start_tick")[:10]),
        "agents": Agent.objects.filter(simulation_id=simulation_id).aggregate(
            total=Count("id"), claimed=Count("id", filter=Q(owner__isnull=False))),
    }
