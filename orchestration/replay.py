"""Replaying archived ticks without running any script: a day-end checkpoint, the decisions
the engine accepted at each later tick and the shocks that took effect, applied in the order
the live tick applied them. Backtests build their arms on this."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from econsim_project.field_errors import field_error
from history.replay import AgentRef, accepted_decisions, archived_hashes
from simulations.engine import TickResult, World
from simulations.models import Checkpoint, Shock, Simulation


@dataclass(frozen=True)
class ArchivedRange:
    """Ticks start_tick + 1 .. last_tick of a simulation, as archived."""

    simulation_id: int
    seed: int
    start_tick: int
    last_tick: int
    start_world: bytes  # the checkpoint at start_tick
    start_hash: str
    decisions: dict[int, dict[AgentRef, dict]]  # accepted decisions by tick
    shocks: dict[int, list[dict]]  # shock specs by the tick they took effect from
    hashes: dict[int, str]  # archived state hash after each tick

    def world(self) -> World:
        """A private copy of the world at start_tick (nothing shared with the live world)."""
        return World.from_bytes(self.start_world)


def archived_range(*, simulation_id: int, start_tick: int, ticks: int,
                   exclude: AgentRef | None = None) -> ArchivedRange:
    """Read what replaying `ticks` ticks from `start_tick` needs; the range ends early where
    the archive ends. Raises a field error on `start_tick` when no checkpoint of that tick is
    kept (day ends are; the ticks between them are not)."""
    sim = Simulation.objects.only("id", "seed", "tick").get(pk=simulation_id)
    checkpoint = Checkpoint.objects.filter(simulation_id=simulation_id, tick=start_tick).only(
        "state", "state_hash").first()
    if checkpoint is None:
        raise field_error("start_tick", "no_checkpoint",
                          "No checkpoint of tick %(tick)s is kept: start at a day end.",
                          tick=start_tick)
    last_tick = min(start_tick + ticks, sim.tick)
    return ArchivedRange(
        simulation_id=simulation_id, seed=sim.seed, start_tick=start_tick, last_tick=last_tick,
        start_world=bytes(checkpoint.state), start_hash=checkpoint.state_hash,
        decisions=accepted_decisions(simulation_id=simulation_id, first_tick=start_tick + 1,
                                     last_tick=last_tick, exclude=exclude),
        shocks=_shocks(simulation_id, start_tick + 1, last_tick),
        hashes=archived_hashes(simulation_id=simulation_id, first_tick=start_tick + 1,
                               last_tick=last_tick))


def _shocks(simulation_id: int, first_tick: int, last_tick: int) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    rows = Shock.objects.filter(
        simulation_id=simulation_id, status=Shock.Status.APPLIED,
        applied_tick__gte=first_tick, applied_tick__lte=last_tick,
    ).order_by("applied_tick", "start_tick", "id")  # the live tick's injection order
    for shock in rows:
        out[shock.applied_tick].append({
            "type": shock.shock_type, "target": shock.target, "params": shock.params,
            "start_tick": shock.applied_tick, "duration_ticks": shock.duration_ticks})
    return dict(out)


def replay_step(world: World, archive: ArchivedRange,
                decisions: dict[AgentRef, dict] | None = None) -> TickResult:
    """Step `world` one tick as the archive did, with `decisions` added to (and overriding)
    the archived ones. Past the archive's last tick there is nothing to add: every agent not
    in `decisions` follows its baseline rule."""
    tick = world.tick + 1
    for spec in archive.shocks.get(tick, ()):
        world.add_shock(spec)
    return world.step({**archive.decisions.get(tick, {}), **(decisions or {})})
