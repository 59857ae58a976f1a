"""Backtest benchmark: a 4-arm backtest of one day against the live orchestrator's own day.

A baseline world of `--households` households (default 10^4, 100 firms, 10 banks) with
`--scripted` agents driven by the example scripts (default 100: 80 % households, 20 % firms)
and `--ticks-per-day` ticks a day (default 24) is created in the database. A live Celery
worker (prefork, `--concurrency` processes, default one per core) runs, in one run:

1. a warm-up day (the worker's processes start their sandboxes, the cache fills);
2. the live day, timed from request to the DayRun's finish (wall) and in CPU seconds of the
   worker's process tree (core time);
3. a backtest of that day (start: the checkpoint of the day's start, `--ticks-per-day`
   ticks) for one of the scripted households, with 4 arms: a candidate version, the version
   mounted at the time (replayed from the archive), the baseline rule and another version;
   timed from the request (`lab.services.backtest_create`, as the API calls it) to the
   last arm's end, wall and core time likewise.

Prints both, the ratio backtest / live day, each arm's own seconds, its sandbox calls (the
archived arm: 0) and whether the archived arm reproduced every archived hash. Needs
PostgreSQL (DATABASE_URL, migrated), Redis (REDIS_URL) and a broker (CELERY_BROKER_URL);
give it its own database, queue and cache prefix. It deletes what it made (simulation, user,
backtests, its queue's leftover messages and its cache keys) unless --keep.

Usage: python bench/backtest.py [--households 10000] [--scripted 100] [--ticks-per-day 24]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econsim_project.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402

from accounts.models import CpuBucket  # noqa: E402
from econsim_project.celery import app  # noqa: E402
from lab.models import Backtest, Status  # noqa: E402
from lab.services import ArmRequest, backtest_create  # noqa: E402
from orchestration.runs import day_run_request  # noqa: E402
from scripts_lib.examples import script_examples  # noqa: E402
from scripts_lib.models import Mount, Script  # noqa: E402
from scripts_lib.services import script_create, script_version_create  # noqa: E402
from simulations.models import Agent, DayRun, Simulation  # noqa: E402
from simulations.services import simulation_create  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _config(households: int) -> dict[str, int]:
    return {"n_households": households, "n_firms": max(10, households // 100), "n_banks": 10}


def setup(households: int, scripted: int, ticks_per_day: int):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"bench-lab-{os.getpid()}")
    simulation = simulation_create(name=f"bench-backtest-{os.getpid()}",
                                   config=_config(households), seed=1,
                                   ticks_per_day=ticks_per_day,
                                   status=Simulation.Status.RUNNING, created_by_id=user.pk)
    firms = scripted // 5
    household_script = None
    for name, agent_type, _, source in script_examples():
        script = script_create(owner=user, name=name, agent_type=agent_type)
        version = script_version_create(script=script, source=source, user=user)
        if agent_type == "household":
            household_script = script
        count = firms if agent_type == "firm" else scripted - firms
        agents = list(Agent.objects.filter(simulation=simulation, agent_type=agent_type)
                      .order_by("engine_id")[:count])
        Agent.objects.filter(pk__in=[a.pk for a in agents]).update(owner=user)
        Mount.objects.bulk_create([Mount(simulation=simulation, agent=a, script_version=version,
                                         mounted_by=user, since_tick=1) for a in agents])
    return simulation, user, household_script


class Worker:
    """A prefork `celery worker` on this database and queue (what production runs)."""

    def __init__(self, concurrency: int) -> None:
        self.name = f"bench-lab-{os.getpid()}@localhost"
        self.log = open(f"/tmp/bench-backtest-worker-{os.getpid()}.log", "wb")  # noqa: SIM115
        command = [sys.executable, "-m", "celery", "-A", "econsim_project", "worker",
                   "--pool=prefork", f"--concurrency={concurrency}", "--without-gossip",
                   "--without-mingle", "-n", self.name, "-Q",
                   settings.CELERY_TASK_DEFAULT_QUEUE, "--loglevel=WARNING"]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[self.name], timeout=0.5):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("the worker did not start")

    def cpu_seconds(self) -> float:
        """CPU of the worker's process tree so far (live processes and reaped children)."""
        total = 0
        for pid in _tree(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        return total / CLK_TCK

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def live_day(simulation: Simulation, worker: Worker, ticks: int) -> tuple[float, float]:
    cpu = worker.cpu_seconds()
    started = time.perf_counter()
    run = day_run_request(simulation_id=simulation.pk, mode=DayRun.Mode.TICKS, ticks=ticks,
                          via=DayRun.Via.COMMAND)
    while run.outcome in (DayRun.Outcome.QUEUED, DayRun.Outcome.RUNNING):
        time.sleep(0.02)
        run.refresh_from_db()
    assert run.outcome == DayRun.Outcome.SUCCEEDED, (run.outcome, run.error)
    return time.perf_counter() - started, worker.cpu_seconds() - cpu


def backtest(simulation: Simulation, user, script: Script, worker: Worker,
             start_tick: int, ticks: int) -> tuple[float, float, Backtest]:
    mounted = script.versions.get(number=1)
    # A candidate and another version: the example with other constants.
    candidate = script_version_create(script=script, user=user, source=mounted.source.replace(
        "0.9", "0.7"))
    other = script_version_create(script=script, user=user, source=mounted.source.replace(
        "0.9", "0.95"))
    agent = Agent.objects.filter(simulation=simulation, agent_type="household",
                                 owner=user).order_by("engine_id").first()
    CpuBucket.objects.update_or_create(user=user, defaults={"bucket_ms": 10_000})
    cpu = worker.cpu_seconds()
    started = time.perf_counter()
    created = backtest_create(
        user=user, version=candidate, ticks=ticks, agent_id=agent.pk, start_tick=start_tick,
        arms=[ArmRequest("candidate"), ArmRequest("mounted"), ArmRequest("baseline"),
              ArmRequest("version", number=other.number)])
    while Backtest.objects.filter(pk=created.pk, status__in=(Status.QUEUED,
                                                             Status.RUNNING)).exists():
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    return elapsed, worker.cpu_seconds() - cpu, Backtest.objects.get(pk=created.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--scripted", type=int, default=100)
    parser.add_argument("--ticks-per-day", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if settings.BROKER_IN_FILES:
        sys.exit("needs a broker server (CELERY_BROKER_URL)")

    simulation, user, script = setup(args.households, args.scripted, args.ticks_per_day)
    worker = Worker(args.concurrency)
    try:
        live_day(simulation, worker, args.ticks_per_day)  # warm-up day
        simulation.refresh_from_db()
        start = simulation.tick
        live_wall, live_cpu = live_day(simulation, worker, args.ticks_per_day)
        bt_wall, bt_cpu, result = backtest(simulation, user, script, worker, start,
                                           args.ticks_per_day)
        arms = list(result.arms.order_by("index"))
    finally:
        worker.stop()
        if not args.keep:
            Backtest.objects.filter(owner=user).delete()
            cache.delete_many(cache.keys(f"sim:{simulation.pk}:*"))
            Simulation.objects.filter(pk=simulation.pk).delete()
            Script.objects.filter(owner=user).delete()
            user.delete()
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)

    print(f"world: {args.households} households, {args.scripted} scripted agents, one day of "
          f"{args.ticks_per_day} ticks; worker: prefork x {args.concurrency} "
          f"({os.cpu_count()} cores)")
    print(f"{'':<34}{'wall s':>9}{'core s':>9}")
    print(f"{'live day (orchestrator, worker)':<34}{live_wall:>9.2f}{live_cpu:>9.2f}")
    print(f"{'backtest, 4 arms (worker)':<34}{bt_wall:>9.2f}{bt_cpu:>9.2f}")
    print(f"ratio backtest / live day: wall {bt_wall / live_wall:.2f}, "
          f"core {bt_cpu / live_cpu:.2f} (target: wall <= 2)")
    print(f"backtest {result.status}; archived arm valid: {result.valid}")
    print(f"{'arm':<36}{'status':>10}{'ticks':>7}{'arm s':>8}{'calls':>7}{'hashes':>9}")
    for arm in arms:
        hashes = f"{arm.hash_matches}/{arm.hash_checked}" if arm.hash_checked else "-"
        print(f"{arm.kind + ': ' + arm.label:<36.36}{arm.status:>10}{arm.ticks_done:>7}"
              f"{(arm.summary or {}).get('seconds', 0):>8.2f}{arm.sandbox_calls:>7}{hashes:>9}")


if __name__ == "__main__":
    main()
