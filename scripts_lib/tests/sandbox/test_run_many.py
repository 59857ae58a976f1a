import pytest

from scripts_lib.sandbox import Sandbox, ScriptJob, apply_validation
from scripts_lib.tests.sandbox.conftest import run_one
from simulations.engine.schema import DecisionContext, validate_decision

STRATEGY = """
import math, statistics, random, json, collections, itertools, functools, dataclasses
import operator, typing
from collections import Counter

def decide(obs):
    n = obs["memory"].get("n", 0) + 1
    print("tick", obs["tick"], "n", n)
    price = max(1, int(statistics.mean(p for _, p, _, _ in obs["public"]["firm_posted"])))
    return {"price_cents": price, "dividend_share": round(random.random(), 6),
            "memory": {"n": n}}
"""
OBS = {"tick": 3, "own": {}, "public": {"firm_posted": [[1, 600, 5, 0], [2, 700, 5, 1]]}}


def test_decision_memory_and_log_come_back(sandbox: Sandbox) -> None:
    result = run_one(sandbox, STRATEGY, OBS, memory={"n": 4})
    assert result.ok, result.message
    assert result.decision["price_cents"] == 650
    assert result.memory == {"n": 5}
    assert result.log == "tick 3 n 5\n"
    assert result.failure_kind is None
    assert result.cpu_ms >= 0


def test_random_is_seeded_per_call(sandbox: Sandbox) -> None:
    draws = [run_one(sandbox, STRATEGY, OBS, seed=s).decision["dividend_share"]
             for s in (1, 1, 2)]
    assert draws[0] == draws[1] != draws[2]


def test_results_keep_job_order_across_tenants_and_workers(sandbox: Sandbox) -> None:
    source = "def decide(obs):\n    return {'k': obs['k']}"
    jobs = [ScriptJob(f"j{i}", source, {"k": i}, i, tenant=f"user{i % 7}" if i % 3 else "")
            for i in range(60)]
    results = sandbox.run_many(jobs)
    assert [r.key for r in results] == [j.key for j in jobs]
    assert [r.decision for r in results] == [{"k": i} for i in range(60)]


def test_print_output_is_capped_not_failed(sandbox: Sandbox) -> None:
    result = run_one(sandbox, "def decide(obs):\n    print('x' * 100000)\n    return {}")
    assert result.ok
    assert 16 * 1024 <= len(result.log) < 17 * 1024
    assert result.log.endswith("[output truncated]")


def test_exception_traceback_shows_only_the_users_lines(sandbox: Sandbox) -> None:
    source = "def helper(x):\n    return 1 / x\n\ndef decide(obs):\n    return helper(0)\n"
    result = run_one(sandbox, source)
    assert result.failure_kind == "exception"
    assert result.message == "ZeroDivisionError: division by zero"
    assert "line 5, in decide" in result.traceback and "line 2, in helper" in result.traceback
    assert "return 1 / x" in result.traceback
    assert "runner.py" not in result.traceback and "zygote" not in result.traceback


@pytest.mark.parametrize(("source", "needle"), [
    ("def decide(obs)\n    return {}", "SyntaxError"),
    ("x = 1", "no decide"),
])
def test_broken_scripts_fail_as_exceptions(sandbox: Sandbox, source: str, needle: str) -> None:
    result = run_one(sandbox, source)
    assert result.failure_kind == "exception"
    assert needle in result.message


def test_rejected_decision_names_the_field(sandbox: Sandbox) -> None:
    ctx = DecisionContext(10, 500, active_bank_ids=(1,), active_firm_ids=(1, 2))
    result = run_one(sandbox, "def decide(obs):\n    return {'price_cents': -5}")
    checked = apply_validation(result, lambda d: validate_decision("firm", d, ctx))
    assert checked.failure_kind == "rejected_decision"
    assert checked.message == "price_cents: int in [1, 1000000000] required"
    good = apply_validation(run_one(sandbox, STRATEGY, OBS),
                            lambda d: validate_decision("firm", d, ctx))
    assert good.ok and good.decision["price_cents"] == 650


def test_bad_jobs_are_refused_before_running(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="cpu_ms"):
        sandbox.run_many([ScriptJob("j", "def decide(obs):\n return {}", {}, 1, cpu_ms=0)])
