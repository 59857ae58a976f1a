"""The per-tick call path the orchestrator uses: run every mounted script, then record.

The contract (all keyword-only; AgentRef = (agent_type, engine_id) as the engine keys agents):

    scripts_mounted_refs(*, simulation_id) -> list[AgentRef]
        Agents with an active mount, sorted: build observations for exactly these.

    scripts_run_tick(*, simulation_id, tick, world_seed, observations) -> ScriptTickRun
        `tick` is the tick being decided (world.tick + 1 = obs["tick"] = TickResult.tick);
        `observations` is world.observations(refs) (without `memory`: added here from
        Mount.memory). Runs every active mount that has an observation through the process-wide
        sandbox in one run_many: in parallel over its zygotes, the calls of one owner batched in
        one fork (tenant = owner id). Each call's seed is the engine's script seed of
        (world_seed, tick, agent) (= obs["rng_seed"]); its CPU budget is the owner's tick budget
        (fixed override, else the burst bucket) split evenly over the owner's calls.
        Reads the database, writes NOTHING (it runs before the tick's transaction).
        Returns ScriptTickRun: `decisions` (raw decision dicts of the successful calls, memory
        split off, keyed by AgentRef: pass to World.step, which validates them), `results`
        (every ScriptResult), `versions_in_force` ("household:12" -> ScriptVersion.id).
        Raises SandboxUnavailable when isolation cannot be set up (fail closed: no script runs;
        the tick should not proceed as if the scripted agents had chosen the baseline).

    scripts_record_tick(*, simulation_id, tick, run, rejected) -> None
        Call INSIDE the tick's transaction (it refuses to run outside one and never commits):
        `rejected` is TickResult.rejected ({tick, agent: "type:id", field, rule, value}).
        Writes a ScriptFailure per failed call and per engine rejection of a scripted agent,
        Mount.memory of every successful call, a ScriptTickLog per call that printed (within
        the owner's daily log quota), the strike count (SCRIPT_STRIKES_TO_UNMOUNT failures in
        a row unmount the script and notify its owner; a success resets the count), at most one
        failure notification per mount and day, and settles each owner's CPU bucket.

    mount_memories(*, simulation_id) -> dict[AgentRef, dict]
        Inside the tick's transaction, after scripts_record_tick: the memory every active
        mount now holds (what the decision archive keeps at day ends).

    rotations_apply(*, simulation_id, tick) -> list[Rotation]
        At a day boundary (`tick` = the tick just completed, tick % ticks_per_day == 0), inside
        the tick's transaction: every pending rotation due by that day ends its mount and
        starts the new version on the same agent with the same memory from tick + 1, and
        notifies the script's owner. Any other tick: ValidationError on `tick`, rule
        `not_day_boundary`, nothing changed.

The modules, one job each: `run` (build the jobs and budgets, one run_many), `record` (the
tick's outcomes, composed from `failures`, `logs`, `strikes` and `mounts_save`), `rotations`;
`atomic` is the guard every write passes.
"""

from __future__ import annotations

from scripts_lib.tick.failures import rejections_by_ref
from scripts_lib.tick.memories import mount_memories
from scripts_lib.tick.record import scripts_record_tick
from scripts_lib.tick.rotations import rotations_apply
from scripts_lib.tick.run import (
    AgentRef,
    MountCall,
    ScriptTickRun,
    scripts_mounted_refs,
    scripts_run_tick,
)

__all__ = ["AgentRef", "MountCall", "ScriptTickRun", "mount_memories", "rejections_by_ref",
           "rotations_apply", "scripts_mounted_refs", "scripts_record_tick", "scripts_run_tick"]
