"""Writes to simulations: create, pause, resume, archive, shocks and claims. One transaction
each. The writes that reach other apps too (reset, release) are in `orchestration.services`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from econsim_project.field_errors import field_error
from simulations.engine import World
from simulations.engine.config import Config
from simulations.engine.schema import AGENT_TYPES
from simulations.engine.shocks import validate_shock
from simulations.models import (
    NEW_WORLD_MODEL,
    Agent,
    Checkpoint,
    Shock,
    Simulation,
    claimable_by_default,
    validate_agent_types,
)
from simulations.world_cache import world_cache_forget, world_cache_store
from simulations.worlds import public_state


def simulation_create(*, name: str, scenario: str = "baseline", config: dict | None = None,
                      seed: int = 0, ticks_per_day: int = 4, max_agents_per_user: int = 3,
                      claimable_agent_types: list[str] | None = None,
                      status: str = Simulation.Status.PAUSED,
                      created_by_id: int | None = None) -> Simulation:
    """Build the world (the engine validates scenario, config and seed: ConfigError names the
    field), its claimable agents and the tick-0 checkpoint. A new world runs the current
    model (NEW_WORLD_MODEL) unless the config names a model_version; the version is stored
    in the row's config, so existing rows (without it) keep running v1."""
    config = {"model_version": NEW_WORLD_MODEL, **(config or {})}
    claimable = (claimable_by_default() if claimable_agent_types is None
                 else list(claimable_agent_types))
    try:
        validate_agent_types(claimable)
    except ValidationError as exc:
        raise field_error("claimable_agent_types", exc.code, exc.messages[0]) from exc
    world = World.create(scenario, config, seed)
    blob, digest = world.to_bytes(), world.state_hash()
    try:
        with transaction.atomic():
            simulation = Simulation.objects.create(
                name=name, scenario=scenario, config=config, seed=seed, status=status,
                ticks_per_day=ticks_per_day, max_agents_per_user=max_agents_per_user,
                claimable_agent_types=claimable,
                created_by_id=created_by_id)
            Agent.objects.bulk_create(
                [Agent(simulation=simulation, agent_type=agent_type, engine_id=engine_id)
                 for agent_type in AGENT_TYPES
                 for _, engine_id in world.agent_refs(agent_type)], batch_size=5000)
            Checkpoint.objects.create(simulation=simulation, tick=0,
                                      kind=Checkpoint.Kind.DAY_END, state=blob,
                                      state_hash=digest, size_bytes=len(blob))
    except IntegrityError as exc:
        if Simulation.objects.filter(name=name).exists():
            raise field_error("name", "unique", "A simulation with this name exists.") from exc
        raise
    state = public_state(simulation_id=simulation.pk, world=world, state_hash=digest)
    world_cache_store(simulation_id=simulation.pk, tick=0, state_hash=digest, blob=blob,
                      state=state)
    return simulation


def simulations_pause(*, simulation_ids: list[int]) -> int:
    """Running -> paused. A run in progress stops before its next tick commits."""
    return Simulation.objects.filter(
        pk__in=simulation_ids, status=Simulation.Status.RUNNING, archived_at__isnull=True,
    ).update(status=Simulation.Status.PAUSED, updated_at=timezone.now())


def simulations_resume(*, simulation_ids: list[int]) -> int:
    return Simulation.objects.filter(
        pk__in=simulation_ids, status=Simulation.Status.PAUSED, archived_at__isnull=True,
    ).update(status=Simulation.Status.RUNNING, updated_at=timezone.now())


def simulations_archive(*, simulation_ids: list[int]) -> int:
    """Archived simulations are hidden, never run, and their schedules are switched off. The
    rows, checkpoints and history stay (destroying them is a database task, not a click)."""
    from simulations.schedules import schedules_disable  # schedules imports this module

    with transaction.atomic():
        ids = list(Simulation.objects.filter(pk__in=simulation_ids, archived_at__isnull=True)
                   .values_list("pk", flat=True))
        Simulation.objects.filter(pk__in=ids).update(
            archived_at=timezone.now(), status=Simulation.Status.FINISHED,
            updated_at=timezone.now())
        schedules_disable(simulation_ids=ids)
    for simulation_id in ids:
        world_cache_forget(simulation_id=simulation_id)
    return len(ids)


def shock_create(*, simulation_id: int, spec: dict[str, Any],
                 created_by_id: int | None = None) -> Shock:
    """Validated by the engine against the simulation's size and current tick (ConfigError
    names the field); applied by the orchestrator when its start tick comes."""
    simulation = Simulation.objects.get(pk=simulation_id)
    if simulation.archived_at is not None:
        raise field_error("simulation", "archived", "The simulation is archived.")
    config = Config.build(simulation.scenario, simulation.config)
    clean = validate_shock(spec, config.n_households, config.n_firms, simulation.tick)
    return Shock.objects.create(
        simulation=simulation, shock_type=clean["type"], target=clean["target"],
        params=clean["params"], start_tick=clean["start_tick"],
        duration_ticks=clean["duration_ticks"], created_by_id=created_by_id)


class AgentNotFound(Exception):
    """No such agent for this caller: missing, in another simulation, or (releasing) not
    theirs. One exception, so every case answers the same 404."""


def agent_claim(*, simulation_id: int, agent_id: int, user_id: int,
                operator: bool = False) -> Agent:
    """A user takes a free agent of a type the simulation lets users claim, within its
    per-user limit; operators (`operator=True`) may claim any type. The user's row lock
    serialises their claims, so two at once cannot both pass the limit."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().only("pk").get(pk=user_id)
        agent = (Agent.objects.select_related("simulation")
                 .filter(pk=agent_id, simulation_id=simulation_id).first())
        if agent is None:
            raise AgentNotFound(agent_id)
        simulation = agent.simulation
        if simulation.archived_at is not None:
            raise field_error("simulation", "archived", "The simulation is archived.")
        if agent.owner_id == user_id:
            return agent
        if not operator and agent.agent_type not in simulation.claimable_agent_types:
            raise field_error("agent_type", "operator_assigned",
                              f"A {agent.get_agent_type_display().lower()} of this "
                              "simulation is assigned by an operator; users cannot claim it.")
        owned = Agent.objects.filter(simulation_id=simulation_id, owner_id=user_id).count()
        if owned >= simulation.max_agents_per_user:
            raise field_error("agent", "limit",
                              f"At most {simulation.max_agents_per_user} agents per user "
                              "in this simulation.")
        now = timezone.now()
        if Agent.objects.filter(pk=agent_id, owner__isnull=True).update(
                owner_id=user_id, claimed_at=now) != 1:
            raise field_error("agent", "taken", "Another user has claimed this agent.")
    agent.owner_id, agent.claimed_at = user_id, now
    return agent
