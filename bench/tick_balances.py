"""What archiving claimed agents' balance sheets every tick adds to a tick's commit.

A baseline world of `--households` households (default 10^4, 100 firms, 10 banks) with
`--claimed` agents owned by a user (default 100: 80 % households, 20 % firms). For `--ticks`
stepped ticks, times the added work inside a transaction as the commit does it (one query for
the claimed agents, their balance sheets, the COPY into history.AgentTickBalance), then rolls
it back. Prints p50 / p90 / max in ms. Needs PostgreSQL (DATABASE_URL, migrated).
Usage: python bench/tick_balances.py [--households 10000] [--claimed 100] [--ticks 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econsim_project.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from history.services import history_ingest_tick_balances  # noqa: E402
from simulations.engine import World  # noqa: E402
from simulations.models import Agent  # noqa: E402
from simulations.services import simulation_create  # noqa: E402
from simulations.worlds import claimed_balance_rows  # noqa: E402


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--claimed", type=int, default=100)
    parser.add_argument("--ticks", type=int, default=30)
    args = parser.parse_args()
    config = {"n_households": args.households, "n_firms": max(10, args.households // 100),
              "n_banks": 10}
    user, _ = get_user_model().objects.get_or_create(username=f"bench-bal-{os.getpid()}")
    simulation = simulation_create(name=f"bench-tick-balances-{os.getpid()}", config=config,
                                   seed=3, ticks_per_day=24, status="running")
    households = args.claimed * 4 // 5
    for agent_type, count in (("household", households), ("firm", args.claimed - households)):
        ids = Agent.objects.filter(simulation=simulation, agent_type=agent_type).order_by(
            "engine_id").values_list("pk", flat=True)[:count]
        Agent.objects.filter(pk__in=list(ids)).update(owner=user)
    world = World.create("baseline", config, 3)
    timings = []
    try:
        for _ in range(args.ticks):
            result = world.step()
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    n = history_ingest_tick_balances(
                        simulation_id=simulation.pk, day=1, tick=result.tick,
                        rows=claimed_balance_rows(simulation_id=simulation.pk, world=world))
                    timings.append((time.perf_counter() - started) * 1000)
                    raise _Rollback
            except _Rollback:
                pass
    finally:
        simulation.delete()
        user.delete()
    timings.sort()
    print(f"{args.households} households, {n} claimed agents, {args.ticks} ticks: added per "
          f"tick p50 {statistics.median(timings):.2f} ms, "
          f"p90 {timings[int(len(timings) * 0.9)]:.2f} ms, max {timings[-1]:.2f} ms")


if __name__ == "__main__":
    main()
