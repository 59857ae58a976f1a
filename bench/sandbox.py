"""Sandbox cost against an unisolated in-process call of the same script, measured in one run.

    .venv/bin/python bench/sandbox.py [--workers 2] [--calls 300]

Prints per-call latency (median / p99) for a trivial and a realistic script, then whole ticks
of 1,000 scripted agents (100 users x 10 agents, 1,000 users x 1 agent, and 100 x 10 with 2 %
hostile infinite loops), each with the in-process baseline and the ratio to it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts_lib.sandbox import Sandbox, ScriptJob, runner

TRIVIAL = "def decide(obs):\n    return {}\n"
REALISTIC = """
import statistics, math, random
from collections import deque

def decide(obs):
    pub, own, mem = obs["public"], obs["own"], obs["memory"]
    prices = [p for _, p, _, _ in pub["firm_posted"]]
    avg, spread = statistics.fmean(prices), statistics.pstdev(prices)
    history = deque(mem.get("h", []), maxlen=8)
    history.append(pub["cpi"])
    trend = (history[-1] - history[0]) / max(len(history) - 1, 1)
    gap = own["inventory_units"] / max(own["sales_units"], 1)
    markup = 0.3 * (1.02 if gap < 0.1 else 0.98) + 0.01 * math.tanh(trend)
    price = max(1, round(own["wage_offer"] / 1000 * (1 + markup)))
    if price > avg + 2 * spread:
        price = int(avg + spread)
    workers = max(0, math.ceil(own["expected_demand"] * 1.1 / 1000))
    print("price", price, "workers", workers)
    return {"price_cents": price, "target_workers": workers,
            "dividend_share": 0.9 if random.random() < 0.5 else 0.8,
            "memory": {"h": list(history)}}
"""
HOSTILE = "def decide(obs):\n    while True:\n        pass\n"


def observation() -> dict:
    """About 5 KB of JSON, like a firm's observation with 100 firms and 10 banks."""
    return {
        "tick": 120, "rng_seed": 12345,
        "own": {"inventory_units": 5200, "sales_units": 48000, "wage_offer": 500_000,
                "expected_demand": 50_000.0, "deposits": 12_000_000, "loans": 3_000_000},
        "public": {"cpi": 1.0321, "avg_wage": 512_000, "unemployment_rate": 0.071,
                   "firm_posted": [[i, 640 + i % 40, 500_000 + 97 * i, i % 3]
                                   for i in range(100)],
                   "bank_posted": [[b, 0.03 + b / 1000, 0.01] for b in range(10)]},
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process_ms(source: str, obs: dict, calls: int) -> list[float]:
    modules = runner.preload()
    times = []
    for i in range(calls):
        started = time.perf_counter()
        result = runner.run_call(source, obs, {}, i, modules)
        times.append((time.perf_counter() - started) * 1000)
        assert result["ok"], result
    return times


def sandbox_ms(box: Sandbox, source: str, obs: dict, calls: int) -> list[float]:
    times = []
    for i in range(calls):
        started = time.perf_counter()
        result = box.run_many([ScriptJob("k", source, obs, i)])[0]
        times.append((time.perf_counter() - started) * 1000)
        assert result.ok, result
    return times


def tick_s(box: Sandbox, users: int, per_user: int, obs: dict, hostile_every: int = 0) -> float:
    jobs = []
    for n in range(users * per_user):
        # distinct sources: nothing can be cached across users
        source = REALISTIC + f"\n# user {n // per_user} agent {n % per_user}\n"
        if hostile_every and n % hostile_every == 0:
            source = HOSTILE
        jobs.append(ScriptJob(f"a{n}", source, obs, n, tenant=f"u{n // per_user}"))
    started = time.perf_counter()
    results = box.run_many(jobs)
    elapsed = time.perf_counter() - started
    for job, result in zip(jobs, results, strict=True):
        if not result.ok and job.source != HOSTILE:  # report, do not hide, a failed good call
            print(f"    unexpected failure {job.key}: {result.failure_kind}: {result.message}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    obs = observation()
    with Sandbox(workers=args.workers) as box:
        print(f"per call ({args.calls} calls, ms)       median      p99   ratio(median)")
        for name, source in (("trivial", TRIVIAL), ("realistic", REALISTIC)):
            base = in_process_ms(source, obs, args.calls)
            boxed = sandbox_ms(box, source, obs, args.calls)
            print(f"  {name:9} in-process        {statistics.median(base):8.3f} "
                  f"{_pct(base, 0.99):8.3f}")
            ratio = statistics.median(boxed) / statistics.median(base)
            print(f"  {name:9} sandbox (1 fork)  {statistics.median(boxed):8.3f} "
                  f"{_pct(boxed, 0.99):8.3f}   x{ratio:.1f}")
        base_tick = sum(in_process_ms(REALISTIC, obs, 1000)) / 1000
        print(f"\nticks of 1,000 realistic agents on {args.workers} workers "
              f"(in-process, 1 core: {base_tick:.3f} s)")
        for label, users, per_user, hostile in (
                ("100 users x 10 agents", 100, 10, 0),
                ("1,000 users x 1 agent", 1000, 1, 0),
                ("100 x 10, 2% hostile loops", 100, 10, 50)):
            runs = [tick_s(box, users, per_user, obs, hostile) for _ in range(3)]
            best = min(runs)
            per_call_overhead = (best * args.workers / 1000 - base_tick / 1000) * 1000
            print(f"  {label:28} {best:6.3f} s/tick   x{best / base_tick:.1f} of in-process   "
                  f"overhead {per_call_overhead:.3f} ms/call (core-time)")


if __name__ == "__main__":
    main()
