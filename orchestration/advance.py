"""`simulation_advance`: the flow of a tick (load, observe, run scripts, step, commit),
repeated, under the simulation's lock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestration import scripting
from orchestration.commit import TickConflict, TickInput, tick_commit
from simulations.engine import World
from simulations.locks import simulation_lock
from simulations.models import Shock, Simulation
from simulations.worlds import world_load

Progress = Callable[[int, int], None]  # (ticks done, ticks asked)


@dataclass
class AdvanceResult:
    """What a call did. `outcome`: "advanced" (all ticks), "stale" (expected_tick was not the
    simulation's tick: nothing done), "stopped" (paused, archived or moved by someone else
    part-way; the ticks committed so far stay)."""

    simulation_id: int
    outcome: str
    start_tick: int
    end_tick: int
    ticks_done: int = 0
    source: str = ""  # where the world came from: "cache" or "checkpoint"
    last_checkpoint_id: int | None = None
    versions_in_force: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("load", "observe", "scripts", "engine", "serialize", "commit", "cache"), 0.0))


def simulation_advance(*, simulation_id: int, expected_tick: int, ticks: int,
                       day_run_id: int | None = None, day_run_done: int = 0,
                       progress: Progress | None = None) -> AdvanceResult:
    """Advance `ticks` ticks from `expected_tick`, one transaction per tick.

    Raises SimulationBusy when another advancer holds the lock (the caller retries later);
    a stale `expected_tick` is a no-op. Any engine error propagates after the half-stepped
    world is dropped (the committed ticks stay: the next run loads the last checkpoint)."""
    if ticks < 1:
        raise ValueError("ticks must be at least 1")
    with simulation_lock(simulation_id=simulation_id):
        sim = Simulation.objects.only("id", "tick", "status", "archived_at", "ticks_per_day",
                                      "seed").get(pk=simulation_id)
        out = AdvanceResult(simulation_id=simulation_id, outcome="stale",
                            start_tick=expected_tick, end_tick=sim.tick)
        if sim.tick != expected_tick:
            return out
        if sim.status != Simulation.Status.RUNNING or sim.archived_at is not None:
            out.outcome = "stopped"
            return out
        started = time.perf_counter()
        world, out.source = world_load(simulation_id=simulation_id, tick=expected_tick)
        out.seconds["load"] += time.perf_counter() - started
        try:
            for _ in range(ticks):
                logs = () if out.ticks_done else (
                    ("info", f"world loaded from the {out.source} of tick {expected_tick}",
                     {"source": out.source, "day_run_id": day_run_id}),)
                out.last_checkpoint_id = _one_tick(sim, world, out, day_run_id,
                                                   day_run_done + out.ticks_done, logs)
                out.ticks_done += 1
                out.end_tick = world.tick
                if progress is not None:
                    progress(day_run_done + out.ticks_done, day_run_done + ticks)
        except TickConflict:
            # Rolled back; the half-stepped world dies with this call (only committed ticks
            # are ever cached), so there is nothing to clean up.
            out.outcome = "stopped"
            return out
        out.outcome = "advanced"
        return out


def _one_tick(sim: Simulation, world: World, out: AdvanceResult, day_run_id: int | None,
              day_run_done: int, logs: tuple) -> int:
    seconds = out.seconds
    before = world.tick
    mark = time.perf_counter()
    refs = scripting.scripts_mounted_refs(simulation_id=sim.pk)
    observations = world.observations(refs) if refs else {}
    now = time.perf_counter()
    seconds["observe"] += now - mark
    mark = now
    run = scripting.scripts_run_tick(simulation_id=sim.pk, tick=before + 1,
                                     world_seed=sim.seed, observations=observations)
    out.versions_in_force.update(run.versions_in_force)
    now = time.perf_counter()
    seconds["scripts"] += now - mark
    mark = now
    shocks = _inject_shocks(sim.pk, world)
    result = world.step(run.decisions)
    now = time.perf_counter()
    seconds["engine"] += now - mark
    mark = now
    blob = world.to_bytes()
    now = time.perf_counter()
    seconds["serialize"] += now - mark
    mark = now
    cached_before = seconds["cache"]  # the cache store runs within (on commit): count apart
    checkpoint_id = tick_commit(TickInput(
        simulation_id=sim.pk, ticks_per_day=sim.ticks_per_day, expected_tick=before,
        world=world, result=result, blob=blob, run=run, shocks=shocks, day_run_id=day_run_id,
        day_run_done=day_run_done, logs=logs, seconds=seconds))
    seconds["commit"] += time.perf_counter() - mark - (seconds["cache"] - cached_before)
    return checkpoint_id


def _inject_shocks(simulation_id: int, world: World) -> list[tuple[int, int]]:
    """Pending shocks due by the next tick enter the world before it steps. One that arrived
    after its start tick (created while a run was passing it) takes effect from the next tick,
    for its full duration; its row records the tick it really started."""
    nxt = world.tick + 1
    applied = []
    for shock in Shock.objects.filter(simulation_id=simulation_id, status=Shock.Status.PENDING,
                                      start_tick__lte=nxt).order_by("start_tick", "id"):
        world.add_shock({"type": shock.shock_type, "target": shock.target,
                         "params": shock.params, "start_tick": nxt,
                         "duration_ticks": shock.duration_ticks})
        applied.append((shock.pk, nxt))
    return applied
