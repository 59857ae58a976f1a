"""The backtest's per-tick score is the archive's day score: the "as archived" arm of a day
that ran through the real tick path ends the day on `history.AgentScore` of that agent and
day, for the user's household (utility) and another user's firm and bank (cents)."""

from __future__ import annotations

import pytest

from history.models import AgentScore
from history.scoring import scores_compute
from lab.models import ArmKind
from lab.runner import ARCHIVED, BASELINE, Arm, Inputs, run_arm, score_total
from lab.selectors import agent_records
from lab.services import ArmRequest, arm_spec, backtest_create, backtest_inputs
from orchestration.replay import archived_range
from simulations.engine.vocabulary import AGENT_TYPE_CODES

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def _archived_score(sim, day: int, agent: tuple[str, int]) -> AgentScore:
    return AgentScore.objects.get(simulation_id=sim.pk, day=day,
                                  agent_type=AGENT_TYPE_CODES[agent[0]], agent_id=agent[1])


def test_the_as_archived_arm_ends_each_day_on_the_archived_day_score(lab_world, owner,
                                                                       django_capture_on_commit_callbacks):
    sim = lab_world["simulation"]
    assert scores_compute(simulation_id=sim.pk) == 2
    with django_capture_on_commit_callbacks(execute=False):  # no worker: the arms run here
        backtest = backtest_create(user=owner, version=lab_world["v2"], ticks=8,
                                   agent_id=lab_world["agent"].pk, start_tick=0,
                                   arms=[ArmRequest(ArmKind.MOUNTED), ArmRequest(ArmKind.BASELINE)])
    inputs = backtest_inputs(backtest)
    arms = list(backtest.arms.order_by("index"))
    archived = run_arm(inputs, arm_spec(backtest, arms[0]))
    baseline = run_arm(inputs, arm_spec(backtest, arms[1]))
    assert archived.hash_matches == archived.hash_checked == 8
    agent = ("household", 0)
    for day in (1, 2):
        rows = [r for r in archived.series if r["day"] == day]
        assert len(rows) == 4 and all(isinstance(r["score"], float) for r in rows)
        assert rows[-1]["score"] == pytest.approx(_archived_score(sim, day, agent).score,
                                                  rel=1e-12, abs=1e-9)
    want = sum(_archived_score(sim, day, agent).score for day in (1, 2))
    assert archived.summary()["score_total"] == pytest.approx(want, rel=1e-12)
    # The baseline household consumes differently from the script: its score differs.
    assert baseline.summary()["score_total"] != pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("agent", [("firm", 2), ("bank", 1)])
def test_firms_and_banks_score_the_archived_cents_exactly(lab_world, agent):
    sim = lab_world["simulation"]
    scores_compute(simulation_id=sim.pk)
    archive = archived_range(simulation_id=sim.pk, start_tick=4, ticks=4)
    inputs = Inputs(start_world=archive.start_world, agent=agent, ticks=4, ticks_per_day=4,
                    decisions=archive.decisions, shocks=archive.shocks, hashes=archive.hashes,
                    archive_last_tick=archive.last_tick,
                    agent_records=agent_records(simulation_id=sim.pk, agent=agent,
                                                first_tick=5, last_tick=8))
    archived = run_arm(inputs, Arm(ARCHIVED))
    assert archived.hash_matches == 4
    assert all(type(row["score"]) is int for row in archived.series)
    assert archived.series[-1]["score"] == _archived_score(sim, 2, agent).score_cents
    assert score_total(archived.series) == _archived_score(sim, 2, agent).score_cents
    baseline = run_arm(inputs, Arm(BASELINE))
    assert len(baseline.series) == 4 and type(score_total(baseline.series)) is int
