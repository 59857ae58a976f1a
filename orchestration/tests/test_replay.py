"""Item 1 of the strategy lab: an archived day replays exactly from its starting checkpoint
with the archived decisions alone, no script run: shocks, rejections, failed calls and
bankruptcies included."""

from __future__ import annotations

import pytest

from history.models import DecisionRecord, TickAggregate, TickAudit
from orchestration.replay import archived_range, replay_step
from orchestration.runs import day_run_execute
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, DayRun, Shock
from simulations.services import shock_create

pytestmark = pytest.mark.django_db

HOUSEHOLD = """\
import random

def decide(obs):
    memory = obs["memory"]
    memory["ticks"] = memory.get("ticks", 0) + 1
    rng = random.Random(obs["rng_seed"])
    if obs["tick"] % 3 == 0:
        return {"consume_share": 5.0, "memory": memory}  # out of range: rejected
    if obs["tick"] == 7:
        raise RuntimeError("a bad tick")
    return {"consume_share": rng.uniform(0.2, 0.9), "memory": memory}
"""

FIRM = """\
def decide(obs):
    if obs["tick"] in (2, 6):
        return {"price_cents": 1}  # dumping: the firm fails
    return {}
"""

BANK = """\
def decide(obs):
    return {"loan_rate": 0.04 + 0.001 * (obs["tick"] % 5)}
"""


def _mount(simulation, user, agent_type: str, engine_id: int, source: str, name: str):
    agent = Agent.objects.get(simulation=simulation, agent_type=agent_type, engine_id=engine_id)
    script = script_create(owner=user, name=name, agent_type=agent_type)
    version = script_version_create(script=script, source=source, user=user)
    return mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=version.pk,
                        user=user)


def _run_day(simulation, expected_tick: int) -> DayRun:
    run = DayRun.objects.create(simulation=simulation, expected_tick=expected_tick,
                                ticks_requested=simulation.ticks_per_day)
    return day_run_execute(day_run_id=run.pk)


@pytest.fixture
def simulation(db):
    """A model-v1 world: its dumping firm fails at both dumps in eight ticks (a v2 entrant
    starts with its capital and outlives one tick at 1 cent). Replay itself reads the version
    from the checkpoint, as every other field."""
    from simulations.tests.conftest import make_simulation

    return make_simulation(model_version="v1")


@pytest.fixture
def two_scripted_days(simulation, operator):
    for engine_id in (0, 5, 9):
        _mount(simulation, operator, "household", engine_id, HOUSEHOLD, f"h{engine_id}")
    _mount(simulation, operator, "firm", 3, FIRM, "dumping")
    _mount(simulation, operator, "bank", 1, BANK, "rates")
    assert _run_day(simulation, 0).outcome == "succeeded"
    shock_create(simulation_id=simulation.pk, spec={
        "type": "productivity", "target": {"all": True}, "params": {"factor": 0.7}, "start_tick": 6,
        "duration_ticks": 2})
    assert _run_day(simulation, 4).outcome == "succeeded"
    return simulation


def _replay(simulation_id: int, start_tick: int, ticks: int) -> tuple[list[str], list[str]]:
    archive = archived_range(simulation_id=simulation_id, start_tick=start_tick, ticks=ticks)
    world = archive.world()
    replayed = [replay_step(world, archive).state_hash for _ in range(ticks)]
    archived = [archive.hashes[t] for t in range(start_tick + 1, start_tick + ticks + 1)]
    return replayed, archived


def test_each_archived_day_replays_tick_for_tick_from_its_checkpoint(two_scripted_days):
    sim = two_scripted_days
    outcomes = set(DecisionRecord.objects.filter(simulation_id=sim.pk).values_list(
        "outcome", flat=True))
    assert outcomes == {"accepted", "rejected", "failed"}
    bankruptcies = sum(row["bankruptcies"] for row in TickAggregate.objects.filter(
        simulation_id=sim.pk).values_list("data", flat=True))
    assert bankruptcies >= 2
    assert Shock.objects.get(simulation=sim).applied_tick == 6
    for start in (0, 4):  # both day-start checkpoints
        replayed, archived = _replay(sim.pk, start, 4)
        assert replayed == archived


def test_without_the_archived_decisions_the_day_comes_out_different(two_scripted_days):
    archive = archived_range(simulation_id=two_scripted_days.pk, start_tick=4, ticks=4)
    world = archive.world()
    hashes = [world.step().state_hash for _ in range(4)]
    assert hashes != [archive.hashes[t] for t in range(5, 9)]


def test_the_archive_keeps_every_call_with_its_rule_cpu_and_day_end_memory(two_scripted_days):
    sim = two_scripted_days
    records = DecisionRecord.objects.filter(simulation_id=sim.pk, agent_type=0, agent_id=5)
    assert records.count() == 8
    rejected = records.get(tick=3)
    assert (rejected.outcome, rejected.field, rejected.rule) == (
        "rejected", "consume_share", rejected.rule)
    assert rejected.rule and rejected.decision["consume_share"] == 5.0
    failed = records.get(tick=7)
    assert (failed.outcome, failed.rule) == ("failed", "exception")
    # CPU is what the owner was charged; calls batched in one fork may read 0.0 each
    assert sum(r.cpu_ms for r in records) > 0 and min(r.cpu_ms for r in records) >= 0
    # Memory is kept at day ends only, as the mount holds it: a rejected decision and a failed
    # call keep the memory of the call before (3 successes by tick 4, 5 by tick 8).
    memories = dict(records.filter(memory__isnull=False).values_list("tick", "memory"))
    assert memories == {4: {"ticks": 3}, 8: {"ticks": 5}}
    assert TickAudit.objects.filter(simulation_id=sim.pk).count() == 8


def test_a_tick_between_day_ends_has_no_checkpoint_to_start_from(two_scripted_days):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        archived_range(simulation_id=two_scripted_days.pk, start_tick=5, ticks=2)
    assert info.value.error_dict["start_tick"][0].code == "no_checkpoint"
