"""Running a tick's scripts: one sandbox job per active mount, no database writes."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from scripts_lib.models import Mount
from scripts_lib.quotas import cpu_budgets
from scripts_lib.runtime import sandbox_get
from scripts_lib.sandbox import ScriptJob, ScriptResult
from simulations.engine.rng import script_seed

AgentRef = tuple[str, int]


def ref_key(ref: AgentRef) -> str:
    return f"{ref[0]}:{ref[1]}"


@dataclass(frozen=True)
class MountCall:
    """What scripts_record_tick needs to know about one call (no second read of the mounts)."""

    mount_id: int
    agent_id: int  # simulations.Agent pk
    owner_id: int  # the script's owner
    version_id: int
    observation: dict


@dataclass
class ScriptTickRun:
    decisions: dict[AgentRef, dict]
    results: dict[AgentRef, ScriptResult]
    versions_in_force: dict[str, int]
    calls: dict[AgentRef, MountCall] = field(default_factory=dict)
    seconds: float = 0.0


def scripts_mounted_refs(*, simulation_id: int) -> list[AgentRef]:
    rows = Mount.objects.filter(simulation_id=simulation_id, active=True).values_list(
        "agent__agent_type", "agent__engine_id")
    return sorted((agent_type, engine_id) for agent_type, engine_id in rows)


def scripts_run_tick(*, simulation_id: int, tick: int, world_seed: int,
                     observations: dict[AgentRef, dict]) -> ScriptTickRun:
    started = time.perf_counter()
    mounts = list(
        Mount.objects.filter(simulation_id=simulation_id, active=True)
        .select_related("agent", "script_version__script")
        .order_by("agent__agent_type", "agent__engine_id")
    )
    mounts = [m for m in mounts if m.agent.ref in observations]
    run = ScriptTickRun(decisions={}, results={}, versions_in_force={})
    if mounts:
        jobs = _jobs(run, mounts, tick=tick, world_seed=world_seed, observations=observations)
        for ref, result in zip(run.calls, sandbox_get().run_many(jobs), strict=True):
            run.results[ref] = result
            if result.ok and result.decision is not None:
                run.decisions[ref] = result.decision
    run.seconds = time.perf_counter() - started
    return run


def _jobs(run: ScriptTickRun, mounts: list[Mount], *, tick: int, world_seed: int,
          observations: dict[AgentRef, dict]) -> list[ScriptJob]:
    """One job per mount, in mount order; fills run.calls and run.versions_in_force alike.
    An owner's tick budget is split evenly over the owner's calls."""
    calls_per_owner: dict[int, int] = defaultdict(int)
    for mount in mounts:
        calls_per_owner[mount.script_version.script.owner_id] += 1
    budgets = cpu_budgets(user_ids=list(calls_per_owner))
    jobs = []
    for mount in mounts:
        ref, version = mount.agent.ref, mount.script_version
        owner_id = version.script.owner_id
        obs = observations[ref]
        run.calls[ref] = MountCall(mount.pk, mount.agent_id, owner_id, version.pk, obs)
        run.versions_in_force[ref_key(ref)] = version.pk
        jobs.append(ScriptJob(
            key=ref_key(ref), source=version.source, observation=obs,
            seed=script_seed(world_seed, tick, ref[0], ref[1]),
            cpu_ms=max(1, budgets[owner_id] // calls_per_owner[owner_id]),
            memory=mount.memory or {}, tenant=str(owner_id)))
    return jobs
