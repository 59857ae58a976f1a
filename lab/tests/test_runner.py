"""The backtest runner on its own: no database, a real sandbox, a small engine world whose
"archive" is made here by stepping the engine with scripted decisions, as the live tick does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.runner import (
    ARCHIVED,
    BASELINE,
    CANCELLED,
    FAILED,
    SCRIPT,
    SUCCEEDED,
    Arm,
    Inputs,
    run_arm,
    run_backtest,
)
from scripts_lib.sandbox import Sandbox
from simulations.engine import World

SMALL = {"n_households": 200, "n_firms": 10, "n_banks": 3}
USER = ("household", 4)
OTHER_FIRM = ("firm", 2)
OTHER_BANK = ("bank", 1)

SPENDER = """\
def decide(obs):
    memory = obs["memory"]
    memory["calls"] = memory.get("calls", 0) + 1
    print("call", memory["calls"])
    return {"consume_share": 0.95, "memory": memory}
"""

SAVER = """\
def decide(obs):
    return {"consume_share": 0.05}
"""

MOODY = """\
def decide(obs):
    memory = obs["memory"]
    memory["calls"] = memory.get("calls", 0) + 1
    print(memory["calls"])
    if obs["tick"] % 4 == 2:
        return {"consume_share": 7.0, "memory": memory}  # out of range: rejected
    if obs["tick"] % 4 == 3:
        raise ValueError("bad tick")
    return {"consume_share": 0.5, "memory": memory}
"""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(workers=1)
    box.start()
    yield box
    box.close()


def _other_decisions(tick: int) -> dict:
    # Two other scripted agents with decisions far from their baseline rules.
    return {OTHER_FIRM: {"price_cents": 1 + tick}, OTHER_BANK: {"loan_rate": 0.2}}


@pytest.fixture(scope="module")
def archive() -> dict:
    """A 'live' run of 8 ticks from a day-end world (tick 4): the user's household spends 0.8
    of its cash at even ticks (its archived decisions), two other agents decide throughout."""
    world = World.create("baseline", SMALL, seed=11)
    world.run(4)
    start = world.to_bytes()
    decisions, hashes, records = {}, {}, {}
    for _ in range(8):
        tick = world.tick + 1
        tick_decisions = _other_decisions(tick)
        if tick % 2 == 0:
            tick_decisions[USER] = {"consume_share": 0.8}
            records[tick] = {"outcome": "accepted", "decision": {"consume_share": 0.8},
                             "cpu_ms": 1.5}
        else:
            records[tick] = {"outcome": "failed", "decision": None, "rule": "exception",
                             "cpu_ms": 2.0}
        hashes[tick] = world.step(tick_decisions).state_hash
        decisions[tick] = tick_decisions
    return {"start": start, "start_hash": World.from_bytes(start).state_hash(),
            "decisions": decisions, "hashes": hashes, "records": records}


def _inputs(archive: dict, ticks: int = 8, **extra) -> Inputs:
    values = {"start_world": archive["start"], "agent": USER, "ticks": ticks,
              "ticks_per_day": 4, "start_hash": archive["start_hash"],
              "decisions": archive["decisions"], "hashes": archive["hashes"],
              "archive_last_tick": 12, "agent_records": archive["records"],
              "cpu_ms_per_call": 200, "strikes_to_unmount": 5, "tenant": "7"}
    return Inputs(**{**values, **extra})


def _hashes(outcome) -> list[str]:
    return [row["state_hash"] for row in outcome.series]


def test_the_archived_arm_reproduces_every_archived_hash_without_the_sandbox(archive, sandbox):
    outcome = run_arm(_inputs(archive), Arm(ARCHIVED, source=SPENDER), sandbox=sandbox)
    assert outcome.status == SUCCEEDED
    assert _hashes(outcome) == [archive["hashes"][t] for t in range(5, 13)]
    assert (outcome.hash_checked, outcome.hash_matches) == (8, 8)
    assert all(row["hash_match"] for row in outcome.series)
    assert outcome.sandbox_calls == 0
    # what the script did is shown from the archive
    assert outcome.series[1]["script"]["source"] == "archive"
    assert outcome.series[1]["script"]["decision"] == {"consume_share": 0.8}
    assert outcome.series[0]["script"]["rule"] == "exception"


def test_past_the_archive_the_archived_arm_runs_its_script_with_the_memory_at_the_end(
        archive, sandbox):
    outcome = run_arm(_inputs(archive, ticks=10),
                      Arm(ARCHIVED, source=SPENDER, memory={"calls": 40}), sandbox=sandbox)
    assert outcome.status == SUCCEEDED
    assert outcome.sandbox_calls == 2 and outcome.sandbox_calls_in_archive == 0
    assert outcome.hash_checked == 8 and outcome.hash_matches == 8
    last = outcome.series[-1]
    assert last["tick"] == 14 and last["archived_hash"] is None and last["hash_match"] is None
    assert last["script"]["source"] == "sandbox"
    assert last["script"]["log"].strip() == "call 42"


def test_every_other_agents_archived_decisions_are_applied_in_every_arm(archive, sandbox):
    with_archive = run_arm(_inputs(archive), Arm(BASELINE), sandbox=sandbox)
    without = run_arm(_inputs(archive, decisions={}), Arm(BASELINE), sandbox=sandbox)
    # The other firm prices at 1 + tick cents as archived: visible in its sales and the CPI.
    assert _hashes(with_archive) != _hashes(without)
    assert with_archive.series[-1]["aggregates"] != without.series[-1]["aggregates"]
    # ... and the user's own archived decision is not: the baseline arm is the engine's rule.
    replay_all_but_user = World.from_bytes(archive["start"])
    hashes = []
    for tick in range(5, 13):
        others = {ref: d for ref, d in archive["decisions"][tick].items() if ref != USER}
        hashes.append(replay_all_but_user.step(others).state_hash)
    assert _hashes(with_archive) == hashes


def test_arms_share_random_numbers_so_only_the_strategy_differs(archive, sandbox):
    saver = run_arm(_inputs(archive), Arm(SCRIPT, source=SAVER), sandbox=sandbox)
    spender = run_arm(_inputs(archive), Arm(SCRIPT, source=SPENDER), sandbox=sandbox)
    again = run_arm(_inputs(archive), Arm(SCRIPT, source=SAVER), sandbox=sandbox)
    assert _hashes(saver) == _hashes(again)  # same strategy, same numbers: the same world
    assert _hashes(saver) != _hashes(spender)
    spent = [row["consumption"] for row in spender.series]
    saved = [row["consumption"] for row in saver.series]
    assert sum(spent) > 3 * sum(saved) > 0
    assert saver.sandbox_calls == 8 and spender.series[-1]["script"]["log"].strip() == "call 8"


def test_rejections_failures_and_memory_follow_the_live_rules(archive, sandbox):
    outcome = run_arm(_inputs(archive, strikes_to_unmount=None),
                      Arm(SCRIPT, source=MOODY, memory={"calls": 100}), sandbox=sandbox)
    by_tick = {row["tick"]: row["script"] for row in outcome.series}
    assert by_tick[6]["outcome"] == "rejected"
    assert (by_tick[6]["field"], by_tick[6]["rule"]) == ("consume_share", by_tick[6]["rule"])
    assert by_tick[6]["rule"]
    assert by_tick[7]["outcome"] == "failed" and by_tick[7]["rule"] == "exception"
    assert "bad tick" in by_tick[7]["message"]
    assert by_tick[5]["outcome"] == "accepted"
    assert outcome.outcomes == {"accepted": 4, "rejected": 2, "failed": 2}
    # Memory keeps the accepted calls only (a rejection or a failure keeps the old memory):
    # accepted at ticks 5, 8 and 9 before tick 12, so its call counts 100 + 3 + 1.
    assert [by_tick[t]["log"].strip() for t in (5, 6, 7, 8, 12)] == [
        "101", "102", "102", "102", "104"]


def test_strikes_unmount_the_script_as_live(archive, sandbox):
    failing = "def decide(obs):\n    raise RuntimeError('no')\n"
    outcome = run_arm(_inputs(archive, strikes_to_unmount=3), Arm(SCRIPT, source=failing),
                      sandbox=sandbox)
    assert outcome.sandbox_calls == 3
    assert [row["script"]["rule"] for row in outcome.series[3:]] == ["unmounted"] * 5
    baseline = run_arm(_inputs(archive), Arm(BASELINE), sandbox=sandbox)
    assert _hashes(outcome) == _hashes(baseline)  # failing calls decide nothing


def test_a_spent_cpu_pool_stops_calling_the_script(archive, sandbox):
    busy = ("def decide(obs):\n    n = 0\n    for i in range(300000):\n        n += i\n"
            "    return {}\n")
    outcome = run_arm(_inputs(archive), Arm(SCRIPT, source=busy, cpu_pool_ms=30),
                      sandbox=sandbox)
    assert outcome.status == SUCCEEDED
    assert 1 <= outcome.sandbox_calls < 8
    assert outcome.series[-1]["script"]["rule"] == "cpu_exhausted"
    assert outcome.cpu_ms <= 30 + 200  # the pool, plus at most one call's overrun


def test_cancel_keeps_the_ticks_done(archive, sandbox):
    rows = []
    outcome = run_arm(_inputs(archive), Arm(BASELINE), sandbox=sandbox, on_tick=rows.append,
                      cancelled=lambda: len(rows) >= 3)
    assert outcome.status == CANCELLED and outcome.reason == "cancelled"
    assert outcome.ticks_done == 3 and [r["tick"] for r in rows] == [5, 6, 7]


def test_a_changed_checkpoint_fails_the_arm(archive, sandbox):
    outcome = run_arm(_inputs(archive, start_hash="0" * 64), Arm(BASELINE), sandbox=sandbox)
    assert (outcome.status, outcome.reason, outcome.ticks_done) == (
        FAILED, "checkpoint_changed", 0)


def test_flows_add_up_to_the_change_in_the_households_deposits(archive, sandbox):
    outcome = run_arm(_inputs(archive), Arm(SCRIPT, source=SPENDER), sandbox=sandbox)
    before = outcome.start_balance_sheet["deposits"]
    for row in outcome.series:
        after = row["balance_sheet"]["deposits"]
        moved = sum(row["flows"]["in"].values()) - sum(row["flows"]["out"].values())
        assert after - before == moved, row["tick"]
        assert row["consumption"] == row["flows"]["out"].get("CONSUMPTION", 0)
        assert row["sales"] is None and row["score"] is None
        before = after
    assert sum(row["income"] for row in outcome.series) > 0


def test_a_fresh_world_has_no_archive_and_runs_every_arm(sandbox):
    world = World.create("baseline", SMALL, seed=3)
    inputs = Inputs(start_world=world.to_bytes(), agent=("firm", 0), ticks=4, ticks_per_day=4,
                    cpu_ms_per_call=200)
    seen = []
    outcomes = run_backtest(
        inputs, [Arm(SCRIPT, source="def decide(obs):\n    return {'price_cents': 5}\n"),
                 Arm(BASELINE)], sandbox=sandbox,
        progress=lambda arm, done, total: seen.append((arm, done, total)))
    assert [o.status for o in outcomes] == [SUCCEEDED, SUCCEEDED]
    assert seen[-1] == (1, 4, 4) and len(seen) == 8
    assert all(row["sales"] is not None and row["consumption"] is None
               for row in outcomes[0].series)
    assert outcomes[0].series[-1]["state_hash"] != outcomes[1].series[-1]["state_hash"]
    assert outcomes[1].series[0]["day"] == 1
