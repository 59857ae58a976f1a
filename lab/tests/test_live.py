"""Backtests through a live Celery worker on the real services: the counterfactual (only the
user's strategy differs, every other scripted agent's archived decisions applied), the
archived arm's proof of validity, the live world and its history untouched, cancel, and a
worker that dies mid-arm."""

from __future__ import annotations

import csv
import io
import math
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import CpuBucket
from econsim_project.testing import wait_until
from history.models import (
    AgentSnapshot,
    DecisionRecord,
    LedgerEntry,
    TickAggregate,
    TickAudit,
    TickLog,
    Trade,
)
from lab.models import Backtest, BacktestArm, BacktestTick, Status
from lab.services import backtests_fail_stale
from orchestration.replay import archived_range
from scripts_lib.models import Mount, ScriptFailure, ScriptTickLog
from simulations.engine import World
from simulations.models import Checkpoint, DayRun, Shock, Simulation

pytestmark = [pytest.mark.services, pytest.mark.slow]

BUSY = """\
def decide(obs):
    n = 0
    for i in range(300000):
        n += i
    return {"consume_share": 0.3}
"""


def _url(lab: dict, version: str = "v2") -> str:
    return f"/api/scripts/{lab['script'].pk}/versions/{lab[version].number}/backtests/"


def _live_state(sim_id: int) -> dict:
    """Everything of the live world a backtest must not change."""
    sim = Simulation.objects.values("tick", "status", "updated_at").get(pk=sim_id)
    history = {model.__name__: model.objects.filter(simulation_id=sim_id).count()
               for model in (TickAggregate, TickAudit, LedgerEntry, Trade, DecisionRecord,
                             TickLog, AgentSnapshot)}
    keys = sorted(cache.keys(f"sim:{sim_id}:*"))
    cached = {key: (value[0] if isinstance(value, tuple) else value)
              for key, value in cache.get_many(keys).items()}
    return {
        "simulation": sim, "history": history, "cache": cached,
        "checkpoints": list(Checkpoint.objects.filter(simulation_id=sim_id).order_by("tick")
                            .values_list("tick", "kind", "state_hash")),
        "mounts": list(Mount.objects.filter(simulation_id=sim_id).order_by("pk").values_list(
            "pk", "active", "memory", "consecutive_failures", "last_decision_tick")),
        "failures": ScriptFailure.objects.filter(simulation_id=sim_id).count(),
        "logs": ScriptTickLog.objects.filter(simulation_id=sim_id).count(),
        "runs": DayRun.objects.filter(simulation_id=sim_id).count(),
        "shocks": Shock.objects.filter(simulation_id=sim_id).count(),
    }


def _finished(backtest_id: int) -> bool:
    return Backtest.objects.filter(pk=backtest_id).exclude(
        status__in=(Status.QUEUED, Status.RUNNING)).exists()


def _arms(body: dict) -> dict[str, dict]:
    return {arm["kind"]: arm for arm in body["arms"]}


def test_only_the_users_strategy_differs_and_the_archive_replays_exactly(
        celery_live_worker, lab_world, owner_client, owner):
    sim = lab_world["simulation"]
    before = _live_state(sim.pk)
    assert before["cache"], "the live world is cached: its keys must stay as they are"
    response = owner_client.post(_url(lab_world), {
        "agent": lab_world["agent"].pk, "start_tick": 4, "ticks": 4,
        "arms": ["candidate", "mounted", "baseline"]}, format="json")
    assert response.status_code == 202, response.json()
    backtest_id = response.json()["id"]
    wait_until(lambda: _finished(backtest_id), timeout=120, what="the backtest")
    body = owner_client.get(f"/api/backtests/{backtest_id}/").json()
    assert body["status"] == "succeeded", body
    arms = _arms(body)

    # The proof of validity: the arm "as archived" reproduces every archived hash, with no
    # sandbox call.
    assert body["valid"] is True
    assert body["summary"]["validity"] == {
        "arm": 1, "checked": 4, "matches": 4, "first_mismatch_tick": None,
        "sandbox_calls_in_archive": 0, "valid": True}
    assert arms["mounted"]["sandbox_calls"] == 0
    series = owner_client.get(f"/api/backtests/{backtest_id}/series/").json()
    rows = {arm["kind"]: arm["rows"] for arm in series["arms"]}
    archive = archived_range(simulation_id=sim.pk, start_tick=4, ticks=4)
    assert [r["state_hash"] for r in rows["mounted"]] == [archive.hashes[t] for t in range(5, 9)]

    # The candidate ran in the sandbox from the mount's memory at the start checkpoint (the
    # live v1 had counted 4 calls by tick 4).
    assert arms["candidate"]["sandbox_calls"] == 4
    assert [r["script"]["log"].strip() for r in rows["candidate"]] == [
        "v2 call 5", "v2 call 6", "v2 call 7", "v2 call 8"]

    # Counterfactual: the candidate arm is the archived day with only the user's decisions
    # replaced by the candidate's. Replayed here by the engine alone, it gives the same hashes.
    user = ("household", 0)
    world = World.from_bytes(archive.start_world)
    replayed = []
    for row in rows["candidate"]:
        decisions = {ref: d for ref, d in archive.decisions.get(row["tick"], {}).items()
                     if ref != user}
        assert ("firm", 2) in decisions and ("bank", 1) in decisions
        decisions[user] = row["script"]["decision"]
        replayed.append(world.step(decisions).state_hash)
    assert replayed == [r["state_hash"] for r in rows["candidate"]]
    # ... and the other agents' archived decisions are really applied: without them the
    # baseline arm's world would be another one.
    bare = World.from_bytes(archive.start_world)
    assert [bare.step().state_hash for _ in range(4)] != [
        r["state_hash"] for r in rows["baseline"]]
    # The strategies differ, so do the agent's figures and the economy.
    assert rows["candidate"][-1]["consumption"] != rows["baseline"][-1]["consumption"]
    assert body["summary"]["macro_difference"]["reference_arm"] == 1

    # CPU: what the candidate's calls used is charged to the bucket, the rest given back.
    used = math.ceil(arms["candidate"]["cpu_ms"])
    assert body["cpu_used_ms"] == used > 0
    assert CpuBucket.objects.get(user=owner).bucket_ms == 8000 - used

    # CSV: one line per arm and tick.
    text = owner_client.get(f"/api/backtests/{backtest_id}/series/?format=csv").content.decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 12 and {"balance_sheet.deposits", "aggregates.gdp",
                                 "script.outcome"} <= set(table[0])

    # The live world, its history, its scripts' records and its cache: unchanged.
    assert _live_state(sim.pk) == before


def test_cancel_stops_the_running_arm_and_keeps_its_ticks(celery_live_worker, lab_world,
                                                          owner_client):
    from scripts_lib.services import script_version_create

    busy = script_version_create(script=lab_world["script"], source=BUSY,
                                 user=lab_world["agent"].owner)
    response = owner_client.post(
        f"/api/scripts/{lab_world['script'].pk}/versions/{busy.number}/backtests/",
        {"agent": lab_world["agent"].pk, "start_tick": 4, "ticks": 60,
         "arms": ["candidate", "baseline"]}, format="json")
    assert response.status_code == 202, response.json()
    backtest_id = response.json()["id"]
    wait_until(lambda: BacktestArm.objects.filter(backtest_id=backtest_id, index=0,
                                                  ticks_done__gte=2).exists(),
               timeout=60, what="two ticks of the first arm")
    owner_client.post(f"/api/backtests/{backtest_id}/cancel/")
    wait_until(lambda: _finished(backtest_id), timeout=60, what="the cancelled backtest")
    body = owner_client.get(f"/api/backtests/{backtest_id}/").json()
    assert body["status"] == "cancelled" and body["reason"] == "cancelled"
    first = _arms(body)["candidate"]
    assert first["status"] == "cancelled" and 2 <= first["ticks_done"] < 60
    assert BacktestTick.objects.filter(arm__backtest_id=backtest_id, arm__index=0).count() \
        == first["ticks_done"]
    assert body["progress"]["ticks_done"] < body["progress"]["ticks_total"]


def test_an_arm_whose_worker_died_fails_and_keeps_its_ticks(celery_live_worker, lab_world,
                                                            owner_client):
    from scripts_lib.services import script_version_create

    busy = script_version_create(script=lab_world["script"], source=BUSY,
                                 user=lab_world["agent"].owner)
    response = owner_client.post(
        f"/api/scripts/{lab_world['script'].pk}/versions/{busy.number}/backtests/",
        {"agent": lab_world["agent"].pk, "start_tick": 4, "ticks": 60,
         "arms": ["candidate"]}, format="json")
    backtest_id = response.json()["id"]
    wait_until(lambda: BacktestArm.objects.filter(backtest_id=backtest_id,
                                                  ticks_done__gte=2).exists(),
               timeout=60, what="two ticks")
    celery_live_worker.kill()  # SIGKILL: the arm stays "running" with no heartbeat
    arm = BacktestArm.objects.get(backtest_id=backtest_id)
    assert arm.status == Status.RUNNING
    assert backtests_fail_stale(now=timezone.now()) == []  # not silent long enough yet
    later = timezone.now() + timedelta(seconds=600)
    assert backtests_fail_stale(now=later) == [backtest_id]
    body = owner_client.get(f"/api/backtests/{backtest_id}/").json()
    assert (body["status"], body["reason"]) == ("failed", "worker_lost")
    done = body["arms"][0]["ticks_done"]
    assert done >= 2 and BacktestTick.objects.filter(arm__backtest_id=backtest_id).count() \
        == done
