"""Reads of simulations: lists, details, the cached public state, runs and their liveness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from simulations.locks import simulations_locked
from simulations.models import ACTIVE_OUTCOMES, Agent, DayRun, Schedule, Shock, Simulation
from simulations.world_cache import world_cache_state, world_cache_store_state
from simulations.worlds import public_state, world_load


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


@dataclass(frozen=True)
class RunLiveness:
    """Whether a run is being worked on. `silent_seconds`: since its last sign of life (None
    once it is over). `stale`: queued or running, silent for longer than allowed, and nobody
    holds its simulation's lock (a live worker holds it through a slow tick; a dead worker's
    connection released it), so nobody is advancing it: the sweep queues it again."""

    silent_seconds: int | None
    stale: bool


def day_runs_liveness(*, runs: Iterable[DayRun],
                      now: dt.datetime | None = None) -> dict[int, RunLiveness]:
    """Liveness of each run (by id), with one lock query for all of them."""
    now = now or timezone.now()
    runs = list(runs)
    silent = {run.pk: (now - run.last_seen_at).total_seconds()
              for run in runs if run.outcome in ACTIVE_OUTCOMES}
    overdue = [run for run in runs
               if run.pk in silent and silent[run.pk] > run.silence_allowed_seconds]
    locked = simulations_locked(simulation_ids=[run.simulation_id for run in overdue])
    stale = {run.pk for run in overdue if run.simulation_id not in locked}
    return {run.pk: RunLiveness(
        silent_seconds=int(silent[run.pk]) if run.pk in silent else None,
        stale=run.pk in stale) for run in runs}


def day_runs_with_liveness(runs: Iterable[DayRun]) -> list[DayRun]:
    """The runs, each with its `liveness` (RunLiveness) set, for pages and serializers."""
    runs = list(runs)
    liveness = day_runs_liveness(runs=runs)
    for run in runs:
        run.liveness = liveness[run.pk]
    return runs
