"""Orchestrator benchmark: where a tick's time goes, and ticks/s end to end vs the engine alone.

A baseline world of `--households` households (default 10^4, with 100 firms and 10 banks) and
`--scripted` agents driven by the example scripts (default 100: 80 % households, 20 % firms)
is created in the database. Then, in one run:

1. Engine alone: `World.step()` on the same world, no database, no scripts.
2. In process: `simulation_advance` for `--ticks` ticks; its timers split each tick into
   observe, sandbox (scripts), engine, serialise, database commit (history COPY, scripts'
   records, checkpoint, counter: one transaction) and cache (the after-commit Redis store).
3. End to end: a ticks run request through a live Celery worker process (queue, task,
   lock, load from the Redis cache, the same per-tick path), timed from request to the
   DayRun's finish.

Every figure is also printed as a ratio to the engine alone. Needs PostgreSQL (DATABASE_URL,
migrated), Redis (REDIS_URL) and a broker (CELERY_BROKER_URL); deletes what it made unless
--keep. Usage: python bench/orchestrator.py [--households 10000] [--scripted 100] [--ticks 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econsim_project.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from econsim_project.testing import LiveWorker  # noqa: E402
from orchestration.advance import simulation_advance  # noqa: E402
from orchestration.runs import day_run_request  # noqa: E402
from scripts_lib.examples import script_examples  # noqa: E402
from scripts_lib.models import Mount  # noqa: E402
from scripts_lib.services import script_create, script_version_create  # noqa: E402
from simulations.engine import World  # noqa: E402
from simulations.models import Agent, DayRun, Simulation  # noqa: E402
from simulations.services import simulation_create  # noqa: E402

SPLIT = ("observe", "scripts", "engine", "serialize", "commit", "cache")


def _config(households: int) -> dict[str, int]:
    return {"n_households": households, "n_firms": max(10, households // 100),
            "n_banks": 10}


def setup(households: int, scripted: int) -> tuple[Simulation, object]:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"bench-{os.getpid()}",
                                         defaults={"is_staff": True})
    simulation = simulation_create(name=f"bench-orchestrator-{os.getpid()}",
                                   config=_config(households), seed=1, ticks_per_day=4,
                                   status=Simulation.Status.RUNNING, created_by_id=user.pk)
    firms = scripted // 5
    for name, agent_type, _, source in script_examples():
        script = script_create(owner=user, name=name, agent_type=agent_type)
        version = script_version_create(script=script, source=source, user=user)
        count = firms if agent_type == "firm" else scripted - firms
        agents = Agent.objects.filter(simulation=simulation,
                                      agent_type=agent_type).order_by("engine_id")[:count]
        # Bulk rows: 100 mount_create calls would time the mount service, not the tick.
        Mount.objects.bulk_create([Mount(simulation=simulation, agent=a, script_version=version,
                                         mounted_by=user, since_tick=1) for a in agents])
    return simulation, user


def engine_alone(households: int, ticks: int) -> float:
    world = World.create("baseline", _config(households), seed=1)
    started = time.perf_counter()
    for _ in range(ticks):
        world.step()
    return ticks / (time.perf_counter() - started)


def in_process(simulation: Simulation, ticks: int) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    result = simulation_advance(simulation_id=simulation.pk, expected_tick=simulation.tick,
                                ticks=ticks)
    elapsed = time.perf_counter() - started
    assert result.outcome == "advanced", result
    return ticks / elapsed, {k: v / ticks for k, v in result.seconds.items()}


def _run_on_worker(simulation: Simulation, ticks: int) -> float:
    started = time.perf_counter()
    run = day_run_request(simulation_id=simulation.pk, mode=DayRun.Mode.TICKS, ticks=ticks,
                          via=DayRun.Via.COMMAND)
    while run.outcome in (DayRun.Outcome.QUEUED, DayRun.Outcome.RUNNING):
        time.sleep(0.02)
        run.refresh_from_db()
    assert run.outcome == DayRun.Outcome.SUCCEEDED, (run.outcome, run.error)
    return time.perf_counter() - started


def through_worker(simulation: Simulation, ticks: int) -> float:
    worker = LiveWorker().start()
    try:
        _run_on_worker(simulation, 1)  # warm-up: the worker starts its sandbox on first use
        return ticks / _run_on_worker(simulation, ticks)
    finally:
        worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--scripted", type=int, default=100)
    parser.add_argument("--ticks", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    simulation, user = setup(args.households, args.scripted)
    try:
        # Warm-up: start the sandbox and fill the cache, as a running platform would have.
        simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
        simulation.refresh_from_db()
        engine_tps = engine_alone(args.households, args.ticks)
        process_tps, split = in_process(simulation, args.ticks)
        simulation.refresh_from_db()
        worker_tps = through_worker(simulation, args.ticks)
    finally:
        if not args.keep:
            Simulation.objects.filter(pk=simulation.pk).delete()
            user.delete()

    per_tick = sum(split[k] for k in SPLIT)
    print(f"world: {args.households} households, {args.scripted} scripted agents, "
          f"{args.ticks} ticks per measurement")
    print(f"{'part of a tick':<28}{'ms/tick':>10}{'share':>9}{'x engine':>10}")
    for key in SPLIT:
        print(f"{key:<28}{split[key] * 1000:>10.1f}{split[key] / per_tick:>9.1%}"
              f"{split[key] / split['engine']:>10.2f}")
    print(f"{'(load at run start, once)':<28}{split['load'] * 1000 * args.ticks:>10.1f}")
    print(f"{'ticks per second':<28}{'tick/s':>10}{'':>9}{'x engine':>10}")
    for name, tps in (("engine alone", engine_tps), ("orchestrator in process", process_tps),
                      ("end to end, live worker", worker_tps)):
        print(f"{name:<28}{tps:>10.2f}{'':>9}{tps / engine_tps:>10.2f}")


if __name__ == "__main__":
    main()
