"""Scores from the archive (`history.scoring`) against the engine in memory, through the real
tick path; the day-end task, its idempotency, the backfill command and a reset."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.core.management import call_command

from history.models import AgentScore
from history.scoring import archived_day_inputs, scores_compute, scores_compute_day
from orchestration.advance import simulation_advance
from orchestration.runs import day_run_request
from orchestration.services import simulation_reset
from simulations.engine.scores import SCORED_TYPES, day_score, tick_score_inputs
from simulations.engine.vocabulary import AGENT_TYPE_CODES
from simulations.tests.conftest import SMALL, make_simulation
from simulations.worlds import world_load

pytestmark = pytest.mark.django_db

FIELDS = ("net_worth_cents", "nw_change_cents", "consumption_cents", "dividends_cents",
          "injections_cents", "failed", "penalty_cents")


def _scores(sim, day: int, agent_type: str) -> list[tuple]:
    return list(AgentScore.objects.filter(
        simulation_id=sim.pk, day=day, agent_type=AGENT_TYPE_CODES[agent_type],
    ).order_by("agent_id").values_list("score", "total", "score_cents", "total_cents",
                                       "failures"))


@pytest.fixture
def two_days():
    """Seed 15 has a firm failure at tick 4 (day 1) in a model-v1 world (a v2 world of this
    size has none in 8 ticks). The engine steps a copy of the world loaded from tick 0 while
    the orchestrator runs and archives the same 8 ticks."""
    sim = make_simulation(seed=15, model_version="v1")
    world, _ = world_load(simulation_id=sim.pk, tick=0)
    memory = []
    for _ in range(8):
        result = world.step()
        memory.append(tick_score_inputs(world, result))
    out = simulation_advance(simulation_id=sim.pk, expected_tick=0, ticks=8)
    assert out.outcome == "advanced"
    return sim, memory


def test_the_archive_gives_exactly_the_inputs_of_the_engine_in_memory(two_days):
    sim, memory = two_days
    failures = 0
    for day in (1, 2):
        archived = archived_day_inputs(simulation_id=sim.pk, day=day, ticks_per_day=4)
        assert len(archived) == 4
        for k, (got, want) in enumerate(zip(archived, memory[4 * (day - 1):4 * day],
                                            strict=True)):
            for agent_type in SCORED_TYPES:
                for name in FIELDS:
                    assert np.array_equal(getattr(got[agent_type], name),
                                          getattr(want[agent_type], name)), (day, k, name)
            failures += int(want["firm"].failed.sum())
    assert failures >= 1, "the fixture's seed must have a firm failure"


def test_the_stored_scores_are_the_engine_scores_with_running_totals(two_days):
    sim, memory = two_days
    assert scores_compute(simulation_id=sim.pk) == 2
    assert AgentScore.objects.filter(simulation_id=sim.pk).count() == 2 * sum(
        SMALL[f"n_{t}s"] for t in ("household", "firm", "bank"))
    for agent_type in SCORED_TYPES:
        day1 = day_score([m[agent_type] for m in memory[:4]])
        day2 = day_score([m[agent_type] for m in memory[4:]])
        rows1, rows2 = _scores(sim, 1, agent_type), _scores(sim, 2, agent_type)
        if agent_type == "household":
            assert [r[0] for r in rows1] == day1.tolist()  # exactly the same floats
            assert [r[1] for r in rows2] == (day1 + day2).tolist()
            assert all(r[2] is None and r[4] == 0 for r in rows1)
        else:
            assert [r[2] for r in rows1] == day1.tolist()
            assert [r[3] for r in rows2] == (day1 + day2).tolist()
            assert [r[1] for r in rows2] == [float(v) for v in (day1 + day2).tolist()]
    failed = [r[4] for r in _scores(sim, 1, "firm")]
    assert sum(failed) >= 1
    # The failed firm's day is a heavy loss: below every firm that did not fail.
    firm_day1 = [r[2] for r in _scores(sim, 1, "firm")]
    worst_ok = min(s for s, f in zip(firm_day1, failed, strict=True) if not f)
    assert max(s for s, f in zip(firm_day1, failed, strict=True) if f) < worst_ok


def test_scoring_twice_writes_nothing_twice(two_days, capsys):
    sim, _ = two_days
    assert scores_compute(simulation_id=sim.pk, day=1) == 1
    first = _scores(sim, 1, "household")
    assert scores_compute(simulation_id=sim.pk, day=1) == 0
    assert scores_compute_day(simulation_id=sim.pk, day=1, ticks_per_day=4) == 0
    call_command("scores_compute", "--simulation", str(sim.pk))
    assert "scored 1 days" in capsys.readouterr().out  # day 2 only
    call_command("scores_compute", "--simulation", str(sim.pk))
    out = capsys.readouterr().out
    assert f"scored 0 days; simulation {sim.pk} is scored up to day 2" in out
    assert _scores(sim, 1, "household") == first
    assert AgentScore.objects.filter(simulation_id=sim.pk).count() == 2 * (
        SMALL["n_households"] + SMALL["n_firms"] + SMALL["n_banks"])


def test_a_day_not_finished_is_not_scored_and_the_command_refuses_bad_input(simulation):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=3)
    assert scores_compute(simulation_id=simulation.pk, day=1) == 0
    assert not AgentScore.objects.exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--simulation"):
        call_command("scores_compute", "--simulation", "999999")
    with pytest.raises(CommandError, match="--day"):
        call_command("scores_compute", "--simulation", str(simulation.pk), "--day", "0")


def test_a_reset_forgets_the_scores_of_the_forgotten_days(two_days):
    sim, _ = two_days
    scores_compute(simulation_id=sim.pk)
    day2 = _scores(sim, 2, "firm")
    simulation_reset(simulation_id=sim.pk, day=1)
    assert set(AgentScore.objects.filter(simulation_id=sim.pk)
               .values_list("day", flat=True)) == {1}
    simulation_advance(simulation_id=sim.pk, expected_tick=4, ticks=4)
    assert scores_compute(simulation_id=sim.pk) == 1
    assert _scores(sim, 2, "firm") == day2  # the same day again, the same scores


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_day_end_commit_queues_the_scoring_on_the_worker(celery_live_worker):
    sim = make_simulation(seed=15)
    day_run_request(simulation_id=sim.pk)
    deadline = time.monotonic() + 90
    expected = SMALL["n_households"] + SMALL["n_firms"] + SMALL["n_banks"]
    while time.monotonic() < deadline:
        if AgentScore.objects.filter(simulation_id=sim.pk, day=1).count() == expected:
            break
        time.sleep(0.5)
    assert AgentScore.objects.filter(simulation_id=sim.pk, day=1).count() == expected
