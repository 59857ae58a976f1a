"""The tick commit's own conflict check, without the advisory lock that normally hides it.

`simulation_advance` holds the simulation's lock and re-reads the tick before stepping, so a
commit with a stale expected tick never happens through it; these tests call `tick_commit`
directly to pin the conditional update (tick, status and archive) that guards the write."""

from __future__ import annotations

import pytest
from django.utils import timezone

from history.models import TickAggregate, TickAudit, TickLog
from orchestration import scripting
from orchestration.advance import simulation_advance
from orchestration.commit import TickConflict, TickInput, tick_commit
from simulations.models import Checkpoint, Simulation
from simulations.worlds import world_load

pytestmark = pytest.mark.django_db


def _stepped_from(simulation: Simulation, tick: int) -> TickInput:
    """A fully computed tick `tick + 1`, ready to commit, whose expected tick is `tick`."""
    world, _ = world_load(simulation_id=simulation.pk, tick=tick)
    run = scripting.scripts_run_tick(simulation_id=simulation.pk, tick=tick + 1,
                                     world_seed=simulation.seed, observations={})
    result = world.step(run.decisions)
    return TickInput(simulation_id=simulation.pk, ticks_per_day=simulation.ticks_per_day,
                     expected_tick=tick, world=world, result=result, blob=world.to_bytes(),
                     run=run, shocks=[], day_run_id=None, day_run_done=0)


def _written(simulation: Simulation) -> tuple:
    """Everything a commit writes for a simulation, as comparable facts."""
    sim = Simulation.objects.get(pk=simulation.pk)
    return (sim.tick, sim.updated_at,
            list(Checkpoint.objects.filter(simulation=simulation).values_list("pk", "tick")),
            TickAudit.objects.filter(simulation_id=simulation.pk).count(),
            TickAggregate.objects.filter(simulation_id=simulation.pk).count(),
            TickLog.objects.filter(simulation_id=simulation.pk).count())


def test_a_commit_with_a_stale_expected_tick_writes_nothing_and_raises(simulation):
    stale = _stepped_from(simulation, tick=0)  # computed from tick 0 ...
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)  # ... now at 2
    before = _written(simulation)
    assert before[0] == 2
    with pytest.raises(TickConflict, match="no longer running at tick 0"):
        tick_commit(stale)
    assert _written(simulation) == before


def test_a_commit_with_the_current_expected_tick_is_written(simulation):
    fresh = _stepped_from(simulation, tick=0)
    checkpoint_id = tick_commit(fresh)
    simulation.refresh_from_db()
    assert simulation.tick == 1
    assert Checkpoint.objects.get(pk=checkpoint_id).tick == 1
    assert TickAudit.objects.filter(simulation_id=simulation.pk, tick=1).count() == 1


@pytest.mark.parametrize("stop", ["paused", "archived"])
def test_a_commit_into_a_stopped_simulation_writes_nothing_and_raises(simulation, stop):
    computed = _stepped_from(simulation, tick=0)
    if stop == "paused":
        Simulation.objects.filter(pk=simulation.pk).update(status=Simulation.Status.PAUSED)
    else:
        Simulation.objects.filter(pk=simulation.pk).update(archived_at=timezone.now())
    before = _written(simulation)
    with pytest.raises(TickConflict):
        tick_commit(computed)
    assert _written(simulation) == before
