"""Writes that reach across the domain apps: a reset (the simulation, its archives and its
scripts' logs go back together) and the release or reassignment of agents (their script
mounts end). One transaction each."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from econsim_project.field_errors import field_error
from history.services import history_forget_after
from scripts_lib.models import Mount, ScriptFailure, ScriptTickLog
from scripts_lib.services import mounts_end
from simulations.locks import SimulationBusy, simulation_lock
from simulations.models import Agent, Checkpoint, Shock, Simulation
from simulations.services import AgentNotFound
from simulations.world_cache import world_cache_forget


def simulation_reset(*, simulation_id: int, day: int) -> int:
    """Back to the checkpoint at the end of `day` (0: the initial state). Later checkpoints and
    history rows are deleted; shocks applied later become pending again (they apply anew at
    the same ticks unless an operator deletes them). Returns the tick it went back to."""
    simulation = Simulation.objects.get(pk=simulation_id)
    target = day * simulation.ticks_per_day
    if day < 0 or target > simulation.tick:
        raise field_error("day", "out_of_range",
                          f"A finished day between 0 and {simulation.days_completed} is required.")
    checkpoint = Checkpoint.objects.filter(simulation_id=simulation_id, tick=target,
                                           kind=Checkpoint.Kind.DAY_END).only("pk").first()
    if checkpoint is None:
        raise field_error("day", "missing_checkpoint", f"No day-end checkpoint at tick {target}.")
    try:
        with simulation_lock(simulation_id=simulation_id):
            return _reset_locked(simulation_id, target)
    except SimulationBusy as exc:
        raise field_error("simulation", "busy",
                          "A run is in progress; pause the simulation and retry.") from exc


def _reset_locked(simulation_id: int, target: int) -> int:
    current = Simulation.objects.values_list("tick", flat=True).get(pk=simulation_id)
    with transaction.atomic():
        if Simulation.objects.filter(pk=simulation_id, tick=current).update(
                tick=target, updated_at=timezone.now()) != 1:
            raise field_error("simulation", "busy", "The simulation moved; retry.")
        Checkpoint.objects.filter(simulation_id=simulation_id, tick__gt=target).delete()
        # The archives are append-only for everyone but a reset: these ticks never happened.
        # (Scripts keep their memory: it is not versioned per tick.)
        history_forget_after(simulation_id=simulation_id, tick=target)
        for model in (ScriptTickLog, ScriptFailure):
            model.objects.filter(simulation_id=simulation_id, tick__gt=target).delete()
        Shock.objects.filter(simulation_id=simulation_id, status=Shock.Status.APPLIED,
                             applied_tick__gt=target).update(
            status=Shock.Status.PENDING, applied_at=None, applied_tick=None)
    world_cache_forget(simulation_id=simulation_id, ticks=range(target + 1, current + 1))
    return target


def _free(agents: list[Agent]) -> int:
    """Unmount the agents' scripts and clear their owner (inside the caller's transaction)."""
    ids = [a.pk for a in agents]
    mounts_end(agent_ids=ids, why=Mount.Why.RELEASED, note="the agent was released")
    return Agent.objects.filter(pk__in=ids).update(owner=None, claimed_at=None)


def agent_release(*, simulation_id: int, agent_id: int, user_id: int) -> Agent:
    """A user gives back an agent they own: its active script is unmounted (reason
    `released`), pending rotations are cancelled and the agent is free, in one transaction.
    Another user's agent, a free one and a missing one all raise AgentNotFound."""
    with transaction.atomic():
        agent = (Agent.objects.select_for_update()
                 .filter(pk=agent_id, simulation_id=simulation_id, owner_id=user_id,
                         simulation__archived_at__isnull=True).first())
        if agent is None:
            raise AgentNotFound(agent_id)
        _free([agent])
    agent.owner, agent.claimed_at = None, None
    return agent


def agents_release(*, agent_ids: list[int]) -> int:
    """The operator's release: free any claimed agents among `agent_ids`, unmounting their
    scripts. Returns how many were freed."""
    with transaction.atomic():
        agents = list(Agent.objects.select_for_update()
                      .filter(pk__in=agent_ids, owner__isnull=False))
        return _free(agents) if agents else 0


def agent_assign(*, agent_id: int, owner_id: int | None) -> Agent:
    """The operator's grant: give an agent of any type to a user (or free it with None),
    regardless of the claimable types and the per-user limit. A change of owner unmounts
    the previous owner's script first."""
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent_id)
        if agent.owner_id == owner_id:
            return agent
        if agent.owner_id is not None:
            _free([agent])
        if owner_id is not None:
            agent.claimed_at = timezone.now()
            Agent.objects.filter(pk=agent_id).update(owner_id=owner_id,
                                                     claimed_at=agent.claimed_at)
        agent.owner_id = owner_id
        if owner_id is None:
            agent.claimed_at = None
    return agent
