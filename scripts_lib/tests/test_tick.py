"""The per-tick path with the real sandbox and PostgreSQL: run, step the engine, record."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import CpuBucket, Notification
from scripts_lib.models import Mount, Rotation, ScriptFailure, ScriptQuota, ScriptTickLog
from scripts_lib.services import rotation_schedule
from scripts_lib.tests.conftest import HOUSEHOLD, claim, mount, new_version
from scripts_lib.tick import (
    rotations_apply,
    scripts_mounted_refs,
    scripts_record_tick,
    scripts_run_tick,
)
from simulations.engine.rng import script_seed

FIRM = """\
def decide(obs):
    own = obs["own"]
    return {"price_cents": max(1, own["price"] + 1), "memory": {"last": own["price"]}}
"""


def test_mounted_agents_decide_and_keep_their_memory_between_ticks(
        simulation, owner, other_user, advance):
    home = mount(simulation, owner)
    firm = mount(simulation, other_user, FIRM, "firm", 3)
    assert scripts_mounted_refs(simulation_id=simulation.pk) == [("firm", 3), ("household", 0)]

    run, result = advance()
    assert run.decisions == {("household", 0): {"consume_share": 0.5},
                             ("firm", 3): {"price_cents": run.calls[("firm", 3)]
                                           .observation["own"]["price"] + 1}}
    assert run.versions_in_force == {"household:0": home.script_version_id,
                                     "firm:3": firm.script_version_id}
    assert result.rejected == []
    advance()
    advance()
    home.refresh_from_db()
    assert home.memory == {"ticks": 3} and home.consecutive_failures == 0
    assert (home.last_decision, home.last_decision_tick) == ({"consume_share": 0.5}, 3)
    logs = list(ScriptTickLog.objects.filter(mount=home).order_by("tick"))
    assert [(log.tick, log.output) for log in logs] == [
        (t, f"tick {t} seen {t}\n") for t in (1, 2, 3)]
    assert not ScriptFailure.objects.exists()
    assert set(CpuBucket.objects.values_list("user_id", "ticks")) == {(owner.pk, 3),
                                                                      (other_user.pk, 3)}


def test_random_is_seeded_per_simulation_tick_and_agent(simulation, owner, world, advance):
    mount(simulation, owner, "import random\ndef decide(obs):\n"
                             "    return {'memory': {'r': random.random()}}", "household", 5)
    advance()
    expected = random.Random(script_seed(simulation.seed, 1, "household", 5)).random()
    assert Mount.objects.get(active=True).memory == {"r": expected}


def test_the_run_writes_nothing(simulation, owner, world):
    mount(simulation, owner)
    refs = scripts_mounted_refs(simulation_id=simulation.pk)
    with CaptureQueriesContext(connection) as queries:
        run = scripts_run_tick(simulation_id=simulation.pk, tick=1, world_seed=world.seed,
                               observations=world.observations(refs))
    assert run.results[("household", 0)].ok
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 4  # mounts, quota overrides, CPU buckets


FAILING = {
    "timeout": "def decide(obs):\n    while True:\n        pass",
    "memory": "def decide(obs):\n    return {'x': len('x' * 10**10)}",
    "exception": "def decide(obs):\n    total = 0\n    return {'consume_share': 1 / total}",
    "bad_output": "def decide(obs):\n    return {'consume_share': float('nan')}",
    "rejected_decision": "def decide(obs):\n    return {'consume_share': 2.0}",
}


def test_every_failure_kind_is_recorded_and_the_agent_falls_back(
        simulation, owner, advance, settings):
    settings.SCRIPT_CPU_MS_PER_TICK = 200  # five calls share one owner's budget
    for engine_id, source in enumerate(FAILING.values()):
        mount(simulation, owner, source, "household", engine_id)
    run, result = advance()
    assert run.decisions == {("household", 4): {"consume_share": 2.0}}
    assert result.rejected[0]["agent"] == "household:4"
    failures = {f.kind: f for f in ScriptFailure.objects.select_related("agent")}
    assert set(failures) == set(FAILING)
    for engine_id, kind in enumerate(FAILING):
        assert failures[kind].agent.engine_id == engine_id and failures[kind].tick == 1
        assert failures[kind].owner_id == owner.pk
        assert failures[kind].observation_excerpt["own"]["id"] == engine_id
    assert failures["exception"].message == "ZeroDivisionError: division by zero"
    assert "line 3, in decide" in failures["exception"].traceback
    assert failures["rejected_decision"].message.startswith("consume_share: float in [0, 1]")
    assert failures["rejected_decision"].decision == {"consume_share": 2.0}
    assert set(Mount.objects.values_list("consecutive_failures", flat=True)) == {1}
    # a rejected decision is not the agent's last decision: nothing was accepted yet
    assert set(Mount.objects.values_list("last_decision_tick", flat=True)) == {None}
    assert Notification.objects.filter(user=owner, kind="script_failure").count() == 5


def test_failure_notifications_are_one_per_mount_and_day(simulation, owner, advance,
                                                         settings):
    settings.SCRIPT_STRIKES_TO_UNMOUNT = 10
    mount(simulation, owner, FAILING["exception"])
    for _ in range(4):  # one day of 4 ticks
        advance()
    assert ScriptFailure.objects.count() == 4
    assert Notification.objects.filter(kind="script_failure").count() == 1
    advance()  # first tick of day 2
    assert Notification.objects.filter(kind="script_failure").count() == 2


def test_n_failures_in_a_row_unmount_the_script_and_tell_its_owner(
        simulation, owner, advance, settings):
    settings.SCRIPT_STRIKES_TO_UNMOUNT = 3
    failing = mount(simulation, owner, FAILING["exception"])
    better = new_version(owner, HOUSEHOLD)
    rotation_schedule(simulation_id=simulation.pk, mount_id=failing.pk, version_id=better.pk,
                      user=owner)
    advance()
    advance()
    failing.refresh_from_db()
    assert failing.active and failing.consecutive_failures == 2
    advance()
    failing.refresh_from_db()
    assert not failing.active and failing.unmounted_why == "strikes"
    assert failing.unmounted_tick == 3
    note = Notification.objects.get(user=owner, kind="script_unmounted")
    assert "3 failures in a row" in note.title
    assert Rotation.objects.get().status == "cancelled"
    assert scripts_mounted_refs(simulation_id=simulation.pk) == []
    run, _ = advance()
    assert run.results == {} and ScriptFailure.objects.count() == 3


def test_a_success_resets_the_strike_count(simulation, owner, advance, settings):
    settings.SCRIPT_STRIKES_TO_UNMOUNT = 3
    flaky = mount(simulation, owner, "def decide(obs):\n    if obs['tick'] == 3:\n"
                                     "        return {}\n    raise ValueError('flaky')")
    for _ in range(4):
        advance()
    flaky.refresh_from_db()
    assert flaky.active and flaky.consecutive_failures == 1
    assert ScriptFailure.objects.count() == 3


def test_rotation_is_applied_at_the_day_boundary_keeping_agent_and_memory(
        simulation, owner, advance):
    first = mount(simulation, owner)
    second = new_version(owner, HOUSEHOLD.replace("0.5", "0.25"))
    advance()
    rotation = rotation_schedule(simulation_id=simulation.pk, mount_id=first.pk,
                                 version_id=second.pk, user=owner)
    assert rotation.apply_at_day == 1
    for _ in range(2):
        run, _ = advance()
    assert Mount.objects.get(active=True).pk == first.pk  # ticks 2, 3: not yet
    run, _ = advance()
    with transaction.atomic():  # the orchestrator calls it at the day's end, tick 4
        applied = rotations_apply(simulation_id=simulation.pk, tick=run_tick(run))
    assert run.decisions[("household", 0)] == {"consume_share": 0.5}  # tick 4 ran v1
    assert [r.pk for r in applied] == [rotation.pk]
    rotation.refresh_from_db()
    assert rotation.status == "applied" and rotation.applied_tick == 4
    new = Mount.objects.get(active=True)
    assert new.pk == rotation.new_mount_id and new.agent_id == first.agent_id
    assert new.script_version_id == second.pk and new.since_tick == 5
    assert new.memory == {"ticks": 4}
    assert Notification.objects.filter(user=owner, kind="rotation_applied").count() == 1
    run, _ = advance()
    assert run.decisions[("household", 0)] == {"consume_share": 0.25}
    assert Mount.objects.get(active=True).memory == {"ticks": 5}


def run_tick(run) -> int:
    return next(iter(run.calls.values())).observation["tick"]


@pytest.mark.parametrize("tick", [1, 3, 5, -4])
def test_rotations_are_refused_outside_a_day_boundary(simulation, owner, tick):
    first = mount(simulation, owner)
    rotation_schedule(simulation_id=simulation.pk, mount_id=first.pk,
                      version_id=new_version(owner).pk, user=owner)
    with pytest.raises(ValidationError) as caught, transaction.atomic():
        rotations_apply(simulation_id=simulation.pk, tick=tick)
    assert caught.value.error_dict["tick"][0].code == "not_day_boundary"
    assert Rotation.objects.get().status == "pending" and Mount.objects.get().active


def test_the_cpu_budget_is_the_owners_and_is_split_over_their_agents(
        simulation, owner, other_user, world, settings):
    settings.SCRIPT_CPU_MS_PER_TICK = 40
    for engine_id in range(4):
        mount(simulation, owner, FAILING["timeout"], "household", engine_id)
    mount(simulation, other_user, FAILING["timeout"], "household", 9)
    claim(simulation, other_user, "household", 9)
    refs = scripts_mounted_refs(simulation_id=simulation.pk)
    run = scripts_run_tick(simulation_id=simulation.pk, tick=1, world_seed=world.seed,
                           observations=world.observations(refs))
    spent = {ref: result.cpu_ms for ref, result in run.results.items()}
    assert all(result.failure_kind == "timeout" for result in run.results.values())
    assert all(5 <= spent[("household", i)] <= 25 for i in range(4))  # 10 ms each
    assert 30 <= spent[("household", 9)] <= 60  # the whole 40 ms


def test_recording_costs_the_same_queries_for_few_or_many_mounts_of_an_owner(
        simulation, owner, world):
    def record_queries(engine_ids: range) -> int:
        for engine_id in engine_ids:
            mount(simulation, owner, engine_id=engine_id)
        refs = scripts_mounted_refs(simulation_id=simulation.pk)
        run = scripts_run_tick(simulation_id=simulation.pk, tick=1, world_seed=world.seed,
                               observations=world.observations(refs))
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            scripts_record_tick(simulation_id=simulation.pk, tick=1, run=run, rejected=[])
        ScriptTickLog.objects.all().delete()
        return len(queries.captured_queries)

    record_queries(range(2))  # the owner's first tick also creates their CPU bucket
    assert record_queries(range(0)) == record_queries(range(2, 12))


def test_an_operators_fixed_cpu_budget_replaces_the_bucket(simulation, owner, world, settings):
    settings.SCRIPT_CPU_MS_PER_TICK = 200
    ScriptQuota.objects.create(user=owner, cpu_ms_per_tick=20)
    mount(simulation, owner, FAILING["timeout"])
    refs = scripts_mounted_refs(simulation_id=simulation.pk)
    run = scripts_run_tick(simulation_id=simulation.pk, tick=1, world_seed=world.seed,
                           observations=world.observations(refs))
    result = run.results[("household", 0)]
    assert result.failure_kind == "timeout" and result.cpu_ms < 60


def test_printed_output_stops_being_stored_at_the_daily_log_quota(
        simulation, owner, advance, settings):
    settings.SCRIPT_LOG_BYTES_PER_DAY = 250
    mount(simulation, owner, "def decide(obs):\n    print('x' * 100)\n    return {}")
    for _ in range(4):
        advance()
    sizes = list(ScriptTickLog.objects.order_by("tick").values_list("size_bytes", flat=True))
    assert sizes == [101, 101, 48]  # then nothing: the rest of the day is over quota
    assert ScriptTickLog.objects.order_by("tick").last().output.endswith(
        "[daily log quota reached]")
