"""Engine benchmark: seconds per tick and peak memory for 10^3, 10^4, 10^5 households.

Firms and banks scale as in the default configuration (F = H/100, at least 10; B = 10).
Prints seconds per tick, cost per household and the growth ratios between sizes
(ideal: ~10x per 10x H), for each model version asked for (default both, v1 then v2, in the
same run, with v2's cost relative to v1's).
Usage: python bench/engine.py [--ticks N] [--warmup N] [--sizes 1000,10000,100000]
       [--models v1,v2]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulations.engine import World


def measure(n_h: int, ticks: int, warmup: int, seed: int, model: str = "v1"
            ) -> dict[str, float]:
    overrides = {"n_households": n_h, "n_firms": max(10, n_h // 100), "n_banks": 10,
                 "model_version": model}
    world = World.create("baseline", overrides, seed=seed)
    for _ in range(warmup):
        world.step()
    started = time.perf_counter()
    for _ in range(ticks):
        world.step()
    per_tick = (time.perf_counter() - started) / ticks
    # Memory in a separate pass: tracemalloc slows every numpy allocation down a lot.
    tracemalloc.start()
    world = World.create("baseline", overrides, seed=seed)
    for _ in range(2):
        world.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"households": n_h, "firms": overrides["n_firms"], "per_tick": per_tick,
            "per_household_us": per_tick / n_h * 1e6, "peak_mb": peak / 2**20,
            "checkpoint_kb": len(world.to_bytes()) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=10)
    # Measure after the start-up transient: in the first ~30 ticks many firms fail at once and
    # bankruptcy resolution (O(households) per failed firm) dominates the larger worlds.
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--models", default="v1,v2")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    per_model: dict[str, dict[int, float]] = {}
    for model in args.models.split(","):
        print(f"model {model}")
        print(f"{'households':>10} {'firms':>6} {'s/tick':>9} {'us/hh':>8} {'peak MB':>8} "
              f"{'ckpt KB':>8} {'x prev':>7}")
        prev = None
        for n_h in sizes:
            r = measure(n_h, args.ticks, args.warmup, args.seed, model)
            ratio = f"{r['per_tick'] / prev:7.2f}" if prev else f"{'-':>7}"
            print(f"{r['households']:>10} {r['firms']:>6} {r['per_tick']:>9.4f} "
                  f"{r['per_household_us']:>8.2f} {r['peak_mb']:>8.1f} "
                  f"{r['checkpoint_kb']:>8.0f} {ratio}", flush=True)
            prev = r["per_tick"]
            per_model.setdefault(model, {})[n_h] = r["per_tick"]
        biggest = sizes[-1]
        t = per_model[model][biggest]
        verdict = "meets" if t <= 1.0 else "misses"
        print(f"target <= 1 s/tick at {biggest} households: {verdict} ({t:.3f} s)")
    if "v1" in per_model and "v2" in per_model:
        for n_h in sizes:
            ratio = per_model["v2"][n_h] / per_model["v1"][n_h]
            print(f"v2 / v1 time per tick at {n_h} households: {ratio:.2f}x "
                  f"(target <= 1.5x)")


if __name__ == "__main__":
    main()
