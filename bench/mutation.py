"""Mutation testing of the engine, the sandbox host and the orchestrator, with cosmic-ray.

    .venv/bin/python bench/mutation.py [engine sandbox orchestrator] [--sample N] [--seed S]

Each package's modules are mutated one small change at a time (an operator swapped, a
comparison flipped, a constant changed, ...) and the package's fast test subset is run against
each mutant; a mutant is *killed* when the tests fail (or time out) and *survives* when they
pass. Prints, per package, the mutants generated, run, killed, survived and the kill rate, then
the surviving mutants' diffs (the tests a reader may want to add).

cosmic-ray is a bench tool, not a project dependency: on first use the script makes its own
venv, `bench/.mutation-venv` (pip install cosmic-ray==COSMIC_RAY_VERSION), and re-runs itself
there; the tests still run on the project's `.venv`. Mutations are applied to a copy of the
git-tracked files in a temporary folder, never to the working tree. `--sample N` runs N
mutants per package drawn at random (seeded) from all those generated; without it every
mutant runs (the engine has about 10,600: days on a 2-core machine). Each package's slow
test files run last, so a killed mutant usually stops (`-x`) in a quick unit test. The
orchestrator's tests need PostgreSQL and Redis: run with the same DATABASE_URL / REDIS_URL /
CELERY_BROKER_URL as scripts/run-tests (the test database is reused between mutants:
`--reuse-db`; the engine's tests run without Django).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".mutation-venv"
COSMIC_RAY_VERSION = "8.7.0"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Package:
    """Modules to mutate and the test subset that should kill their mutants."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]
    timeout: float  # seconds per mutant; a mutant that loops forever is killed by it
    # Test files run after the others: a killed mutant usually fails a quick unit test first
    # and `-x` stops there, so only survivors pay for the slow multi-tick scenarios.
    slow: tuple[str, ...] = ()
    pytest_options: tuple[str, ...] = ("--reuse-db",)


PACKAGES = {
    "engine": Package(modules=("simulations/engine",),
                      tests=("simulations/tests/engine",), timeout=420,
                      slow=tuple(f"simulations/tests/engine/test_{name}.py" for name in (
                          "golden_hashes", "determinism", "alternative_rules", "baseline",
                          "sim_mode")),
                      # The engine suite needs no Django (and so no database): skip its setup.
                      pytest_options=("-p", "no:django")),
    "sandbox": Package(modules=("scripts_lib/sandbox/worker.py",
                                "scripts_lib/sandbox/supervisor.py",
                                "scripts_lib/sandbox/jobs.py"),
                       tests=("scripts_lib/tests/sandbox",), timeout=300),
    "orchestrator": Package(modules=("orchestration/advance.py", "orchestration/commit.py",
                                     "orchestration/runs.py", "orchestration/reaper.py"),
                            tests=("orchestration/tests/test_advance.py",
                                   "orchestration/tests/test_commit.py",
                                   "orchestration/tests/test_stale_runs.py"), timeout=300),
}


def ensure_cosmic_ray() -> None:
    """Re-run this script under the bench venv, making it first if needed."""
    try:
        import cosmic_ray  # noqa: F401
        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"making {VENV} (cosmic-ray=={COSMIC_RAY_VERSION}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q",
                        f"cosmic-ray=={COSMIC_RAY_VERSION}"], check=True)
    os.execv(str(python), [str(python), *sys.argv])


def copy_tracked_files(target: Path) -> None:
    """The repository as committed plus uncommitted edits, without untracked build output."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, check=True,
                            capture_output=True).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        source = ROOT / raw.decode()
        if source.is_file() and not source.is_symlink():
            destination = target / raw.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    (target / ".venv").symlink_to(ROOT / ".venv")


def module_files(workdir: Path, modules: tuple[str, ...]) -> list[Path]:
    paths: list[Path] = []
    for module in modules:
        path = workdir / module
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        paths += [p.relative_to(workdir) for p in found if p.name != "__init__.py"
                  and "tests" not in p.parts]
    return paths


def ordered_tests(workdir: Path, package: Package) -> list[str]:
    """The package's test files, folders expanded, the slow ones last (in the order given)."""
    files: list[str] = []
    for entry in package.tests:
        path = workdir / entry
        found = sorted(path.rglob("test_*.py")) if path.is_dir() else [path]
        files += [str(p.relative_to(workdir)) for p in found]
    return [f for f in files if f not in package.slow] + [f for f in package.slow if f in files]


def test_command(workdir: Path, package: Package) -> str:
    return " ".join([str(PROJECT_PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                     *package.pytest_options, *ordered_tests(workdir, package)])


def run_package(name: str, package: Package, workdir: Path, sample: int | None,
                rng: random.Random) -> dict[str, int]:
    from cosmic_ray.commands.init import init
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    counts = {"generated": 0, "run": 0, "killed": 0, "timeout": 0, "survived": 0,
              "incompetent": 0}
    survivors: list[str] = []
    session = workdir / f"mutation-{name}.sqlite"
    with use_db(str(session), WorkDB.Mode.create) as db:
        # The operators that take no arguments: cosmic-ray's default set.
        init(module_files(workdir, package.modules), db, {})
        items = list(db.work_items)
    counts["generated"] = len(items)
    chosen = rng.sample(items, sample) if sample and sample < len(items) else items
    command = test_command(workdir, package)
    print(f"\n{name}: {len(items)} mutants generated, running {len(chosen)} ({command})",
          flush=True)
    started = time.monotonic()
    for index, item in enumerate(chosen, 1):
        result = mutate_and_test(mutations=item.mutations, test_command=command,
                                 timeout=package.timeout)
        if result.worker_outcome == WorkerOutcome.NO_TEST:
            continue
        counts["run"] += 1
        if result.worker_outcome != WorkerOutcome.NORMAL:
            counts["incompetent"] += 1  # the mutation itself failed (cannot be applied)
            outcome = "incompetent"
        elif result.test_outcome == TestOutcome.SURVIVED:
            counts["survived"] += 1
            survivors.append(result.diff or "")
            outcome = "SURVIVED"
        elif result.output == "timeout":  # cosmic-ray's mark for a run past the timeout
            counts["timeout"] += 1
            outcome = "killed (timeout)"
        else:
            counts["killed"] += 1
            outcome = "killed"
        mutation = item.mutations[0]
        print(f"  [{index}/{len(chosen)}] {mutation.module_path}:{mutation.start_pos[0]} "
              f"{mutation.operator_name}: {outcome} ({time.monotonic() - started:.0f} s)",
              flush=True)
    counts["seconds"] = round(time.monotonic() - started)
    for diff in survivors:
        print(f"\n--- {name}: surviving mutant\n{diff}")
    return counts


def kill_rate(counts: dict[str, int]) -> float:
    """Killed (timeouts included) over mutants that ran and could be applied."""
    judged = counts["killed"] + counts["timeout"] + counts["survived"]
    return 100.0 * (counts["killed"] + counts["timeout"]) / judged if judged else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=list(PACKAGES),
                        help=f"any of {', '.join(PACKAGES)} (default: all)")
    parser.add_argument("--sample", type=int, default=None,
                        help="mutants per package, drawn at random (default: all)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    unknown = set(args.packages) - set(PACKAGES)
    if unknown:
        parser.error(f"unknown package(s): {', '.join(sorted(unknown))}")
    ensure_cosmic_ray()
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "mutation-bench-only-secret-key-0123456789abcdefghij")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"econsim-mutation-{os.getpid()}")
    os.environ.setdefault("CACHE_KEY_PREFIX", f"econsim-mutation-{os.getpid()}")
    rng = random.Random(args.seed)
    results: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="econsim-mutation-") as temp:
        workdir = Path(temp)
        copy_tracked_files(workdir)
        os.chdir(workdir)
        for name in args.packages:
            results[name] = run_package(name, PACKAGES[name], workdir, args.sample, rng)
    print("\npackage        generated  run  killed  timeout  survived  incompetent  "
          "kill rate  time")
    for name, c in results.items():
        print(f"{name:<14} {c['generated']:>9} {c['run']:>4} {c['killed']:>7} "
              f"{c['timeout']:>8} {c['survived']:>9} {c['incompetent']:>12} "
              f"{kill_rate(c):>9.1f}%  {c['seconds']} s")


if __name__ == "__main__":
    main()
