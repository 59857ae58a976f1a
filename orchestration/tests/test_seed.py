from __future__ import annotations

import pytest
from django.core.management import call_command

from orchestration.advance import simulation_advance
from scripts_lib.models import Mount, ScriptFailure
from simulations.models import Agent, Simulation

pytestmark = pytest.mark.django_db


def test_seed_adds_a_running_baseline_world_with_the_demo_scripts_mounted(settings, capsys):
    settings.DEMO_PASSWORD = settings.OPERATOR_PASSWORD = "seed-pass-123"
    settings.SEED_SCHEDULE_EVERY_MINUTES = 3
    call_command("seed")
    out = capsys.readouterr().out
    assert "created simulation Baseline economy (1025 agents)" in out
    simulation = Simulation.objects.get(name="Baseline economy")
    assert simulation.status == "running"
    demo_agents = Agent.objects.filter(simulation=simulation, owner__username="demo")
    assert sorted(demo_agents.values_list("agent_type", flat=True)) == ["firm", "household"]
    mounts = Mount.objects.filter(simulation=simulation, active=True)
    assert {m.agent_id for m in mounts} == set(demo_agents.values_list("pk", flat=True))

    assert "first day of Baseline economy (4 ticks)" in out
    simulation.refresh_from_db()
    assert simulation.tick == 4  # the dashboards have a day of data at once
    assert simulation.schedules.get().every_minutes == 3
    assert not ScriptFailure.objects.exists()  # the example scripts ran cleanly

    call_command("seed")
    assert "nothing to do" in capsys.readouterr().out
    assert Simulation.objects.count() == 1 and mounts.count() == 2
    simulation.refresh_from_db()
    assert simulation.tick == 4

    result = simulation_advance(simulation_id=simulation.pk, expected_tick=4, ticks=1)
    assert result.outcome == "advanced"
    assert set(result.versions_in_force) == {f"{a.agent_type}:{a.engine_id}"
                                             for a in demo_agents}
