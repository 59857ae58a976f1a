from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from accounts.models import Notification
from history.models import AgentSnapshot, TickAggregate, TickAudit
from orchestration.advance import simulation_advance
from simulations.models import Agent, Checkpoint, Simulation
from simulations.services import agent_claim
from simulations.tests.conftest import engine_hashes
from simulations.world_cache import world_cache_state

pytestmark = pytest.mark.django_db


def _hashes(simulation_id: int) -> list[str]:
    return list(TickAudit.objects.filter(simulation_id=simulation_id).order_by("tick")
                .values_list("state_hash", flat=True))


def test_advance_commits_each_tick_with_history_and_matches_the_engine_alone(simulation):
    result = simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=6)
    assert (result.outcome, result.ticks_done, result.end_tick) == ("advanced", 6, 6)
    simulation.refresh_from_db()
    assert simulation.tick == 6
    assert _hashes(simulation.pk) == engine_hashes(6)
    assert TickAudit.objects.filter(simulation=simulation, all_passed=True).count() == 6
    assert list(TickAggregate.objects.filter(simulation=simulation).values_list("day", flat=True)
                .order_by("tick")) == [1, 1, 1, 1, 2, 2]


def test_checkpoints_keep_day_ends_and_only_the_latest_tick(simulation):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=6)
    rows = list(Checkpoint.objects.filter(simulation=simulation).order_by("tick")
                .values_list("tick", "kind"))
    assert rows == [(0, "day_end"), (4, "day_end"), (6, "latest")]
    assert AgentSnapshot.objects.filter(simulation_id=simulation.pk, day=1).count() == 215


def test_advance_with_stale_tick_changes_nothing(simulation):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    result = simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    assert (result.outcome, result.ticks_done) == ("stale", 0)
    assert Simulation.objects.get(pk=simulation.pk).tick == 2
    assert TickAudit.objects.filter(simulation_id=simulation.pk).count() == 2


def test_a_paused_simulation_does_not_advance(simulation):
    Simulation.objects.filter(pk=simulation.pk).update(status="paused")
    result = simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    assert result.outcome == "stopped"
    assert Simulation.objects.get(pk=simulation.pk).tick == 0


@pytest.mark.services  # PostgreSQL (query counts, advisory locks) or Redis (flush)
def test_the_next_run_uses_the_cached_world_and_after_a_flush_the_checkpoint(
        simulation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the cache is written on commit
        first = simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    assert first.source == "cache"  # stored by simulation_create
    assert world_cache_state(simulation_id=simulation.pk)["tick"] == 2
    second = simulation_advance(simulation_id=simulation.pk, expected_tick=2, ticks=2)
    assert second.source == "cache"
    cache.delete_pattern("*")
    third = simulation_advance(simulation_id=simulation.pk, expected_tick=4, ticks=2)
    assert third.source == "checkpoint"
    assert _hashes(simulation.pk) == engine_hashes(6)


def test_a_cached_world_that_disagrees_with_postgresql_is_not_used(
        simulation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    key = f"sim:{simulation.pk}:world:1"
    _, blob = cache.get(key)
    cache.set(key, ("0" * 64, blob))  # e.g. left by a run that was later reset
    result = simulation_advance(simulation_id=simulation.pk, expected_tick=1, ticks=1)
    assert result.source == "checkpoint"


def test_pausing_stops_a_run_before_its_next_tick(simulation):
    def pause_after_two(done: int, total: int) -> None:
        if done == 2:
            Simulation.objects.filter(pk=simulation.pk).update(status="paused")

    result = simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=5,
                                progress=pause_after_two)
    assert (result.outcome, result.ticks_done) == ("stopped", 2)
    assert Simulation.objects.get(pk=simulation.pk).tick == 2
    assert TickAudit.objects.filter(simulation_id=simulation.pk).count() == 2


def test_a_shock_enters_the_world_at_its_start_tick(simulation):
    from simulations.models import Shock
    from simulations.services import shock_create

    shock = shock_create(simulation_id=simulation.pk, spec={
        "type": "income", "params": {"cents_per_household": 100_000}, "start_tick": 2})
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=3)
    shock.refresh_from_db()
    assert (shock.status, shock.applied_tick) == (Shock.Status.APPLIED, 2)
    hashes = _hashes(simulation.pk)
    plain = engine_hashes(3)
    assert hashes[0] == plain[0] and hashes[1] != plain[1]  # tick 1 as before, 2 shocked


@pytest.mark.services  # PostgreSQL (query counts, advisory locks) or Redis (flush)
def test_a_locked_simulation_is_busy_for_another_advancer(simulation):
    import psycopg

    from econsim_project.testing import test_database_url
    from simulations.locks import LOCK_NAMESPACE, SimulationBusy, simulation_locked

    with psycopg.connect(test_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, simulation.pk])
        assert simulation_locked(simulation_id=simulation.pk)
        with pytest.raises(SimulationBusy):
            simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    # Released with its session (the server ends the backend just after the client left).
    deadline = time.monotonic() + 5
    while simulation_locked(simulation_id=simulation.pk) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not simulation_locked(simulation_id=simulation.pk)
    assert simulation_advance(simulation_id=simulation.pk, expected_tick=0,
                              ticks=1).outcome == "advanced"


def test_an_engine_failure_fails_the_run_and_keeps_the_committed_ticks(simulation,
                                                                       monkeypatch):
    from orchestration.runs import day_run_execute
    from simulations.engine import InvariantViolation, World
    from simulations.models import DayRun

    real_step = World.step

    def step(world, decisions=None):
        if world.tick == 2:
            raise InvariantViolation("I3", "deposits do not match", ("bank", 0), (1,))
        return real_step(world, decisions)

    monkeypatch.setattr(World, "step", step)
    run = DayRun.objects.create(simulation=simulation, expected_tick=0, ticks_requested=4)
    with pytest.raises(InvariantViolation):
        day_run_execute(day_run_id=run.pk)
    run.refresh_from_db()
    assert (run.outcome, run.ticks_done) == ("failed", 2)
    assert run.error.startswith("InvariantViolation: I3: deposits do not match")
    assert Simulation.objects.get(pk=simulation.pk).tick == 2
    monkeypatch.setattr(World, "step", real_step)
    simulation_advance(simulation_id=simulation.pk, expected_tick=2, ticks=2)
    assert _hashes(simulation.pk) == engine_hashes(4)  # resumed from the tick-2 checkpoint


def test_a_run_cut_by_its_soft_time_limit_resumes_where_it_stopped(simulation):
    from celery.exceptions import SoftTimeLimitExceeded

    from orchestration.runs import day_run_execute
    from simulations.models import DayRun

    def time_is_up(done: int, total: int) -> None:
        if done == 3:
            raise SoftTimeLimitExceeded()

    run = DayRun.objects.create(simulation=simulation, expected_tick=0, ticks_requested=8)
    with pytest.raises(SoftTimeLimitExceeded):  # the task turns this into a retry
        day_run_execute(day_run_id=run.pk, progress=time_is_up)
    run.refresh_from_db()
    assert (run.outcome, run.ticks_done) == ("running", 3)
    run = day_run_execute(day_run_id=run.pk)  # the retried delivery
    assert (run.outcome, run.ticks_done, run.start_tick, run.end_tick) == ("succeeded", 8, 0, 8)
    assert _hashes(simulation.pk) == engine_hashes(8)


def test_a_finished_day_notifies_each_owner_once_however_many_agents_they_own(
        simulation, owner, other_user):
    for agent_type, engine_id in [("household", 0), ("household", 1), ("firm", 0)]:
        agent = Agent.objects.get(simulation=simulation, agent_type=agent_type,
                                  engine_id=engine_id)
        agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
    agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=2)
    agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=other_user.pk)
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=4)  # one day
    finished = Notification.objects.filter(kind=Notification.Kind.DAY_FINISHED)
    assert sorted(finished.values_list("user__username", "data__day")) == [
        ("other", 1), ("owner", 1)]
