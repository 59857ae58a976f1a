"""The orchestrator with mounted scripts: the real sandbox decides, the tick records it."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from history.models import TickAudit
from orchestration.runs import day_run_execute
from orchestration.services import simulation_reset
from scripts_lib.models import Mount, ScriptTickLog
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, DayRun
from simulations.services import agent_claim
from simulations.tests.conftest import engine_hashes

pytestmark = pytest.mark.django_db

HOUSEHOLD = """\
def decide(obs):
    memory = obs["memory"]
    memory["ticks"] = memory.get("ticks", 0) + 1
    print("tick", obs["tick"])
    return {"consume_share": 0.5, "memory": memory}
"""


@pytest.fixture
def mounted(simulation, owner):
    agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=0)
    agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
    script = script_create(owner=owner, name="half", agent_type="household")
    version = script_version_create(script=script, source=HOUSEHOLD, user=owner)
    return mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=version.pk,
                        user=owner)


def _run_day(simulation, expected_tick: int) -> DayRun:
    run = DayRun.objects.create(simulation=simulation, expected_tick=expected_tick,
                                ticks_requested=simulation.ticks_per_day)
    return day_run_execute(day_run_id=run.pk)


def test_a_day_with_a_mounted_script_records_its_decisions_and_versions(simulation, owner,
                                                                       mounted):
    run = _run_day(simulation, 0)
    assert (run.outcome, run.ticks_done) == ("succeeded", 4)
    assert run.script_versions == {"household:0": mounted.script_version_id}
    mounted.refresh_from_db()
    assert mounted.memory == {"ticks": 4}
    assert list(ScriptTickLog.objects.filter(mount=mounted).order_by("tick")
                .values_list("tick", flat=True)) == [1, 2, 3, 4]
    hashes = list(TickAudit.objects.order_by("tick").values_list("state_hash", flat=True))
    assert hashes != engine_hashes(4)  # the script's choice changed the world
    assert Notification.objects.filter(user=owner, kind="day_finished").count() == 1


def test_a_scripted_day_re_runs_exactly_after_a_reset(simulation, mounted):
    _run_day(simulation, 0)
    first = list(TickAudit.objects.order_by("tick").values_list("state_hash", flat=True))
    simulation_reset(simulation_id=simulation.pk, day=0)
    simulation.refresh_from_db()
    assert simulation.tick == 0 and not TickAudit.objects.exists()
    _run_day(simulation, 0)
    assert list(TickAudit.objects.order_by("tick").values_list("state_hash",
                                                               flat=True)) == first
    assert Mount.objects.get(pk=mounted.pk).active
