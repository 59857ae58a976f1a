"""The public face of the sandbox: a pool of zygotes, one per core, and `run_many`.

Jobs of one tenant are batched into one forked child (their scripts may see each other's
module state, which is the same owner's business); jobs of different tenants never share a
process. Failed isolation is never papered over: start() raises SandboxUnavailable.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from scripts_lib.sandbox.isolation import SandboxConfig, static_problems
from scripts_lib.sandbox.jobs import SandboxError, SandboxUnavailable, ScriptJob, ScriptResult
from scripts_lib.sandbox.seccomp_policy import SeccompUnavailable, compile_filter
from scripts_lib.sandbox.worker import BadOutput, Worker, WorkerFailed

DEFAULT_BATCH = 16  # calls of one tenant per child: amortises the fork, keeps workers balanced


def _compile(config: SandboxConfig) -> bytes:
    problem = static_problems(config)
    if problem:
        raise SandboxUnavailable(problem)
    try:
        return compile_filter()
    except SeccompUnavailable as exc:
        raise SandboxUnavailable(str(exc)) from exc


def isolation_status(config: SandboxConfig | None = None) -> tuple[bool, str]:
    """Start one real zygote and let a hardened child check itself. (ok, why)."""
    config = config or SandboxConfig.detect()
    worker = None
    try:
        worker = Worker(config, _compile(config))
        probe = worker.spawn()
    except SandboxUnavailable as exc:
        return False, str(exc)
    finally:
        if worker is not None:
            worker.close()
    return True, f"bubblewrap + seccomp + rlimits as uid {probe['uid']}"


def plan_batches(jobs: Sequence[ScriptJob], batch_size: int) -> list[list[int]]:
    """Indices grouped by tenant, in chunks; tenant "" gets one process per call."""
    by_tenant: dict[str, list[int]] = {}
    batches: list[list[int]] = []
    for i, job in enumerate(jobs):
        if job.tenant:
            by_tenant.setdefault(job.tenant, []).append(i)
        else:
            batches.append([i])
    for indices in by_tenant.values():
        batches += [indices[k:k + batch_size] for k in range(0, len(indices), batch_size)]
    batches.sort(key=len, reverse=True)  # big batches first: better balance at the tail
    return batches


class Sandbox:
    def __init__(self, workers: int | None = None, config: SandboxConfig | None = None,
                 batch_size: int = DEFAULT_BATCH) -> None:
        self.config = config or SandboxConfig.detect()
        self.n_workers = workers or os.cpu_count() or 1
        self.batch_size = batch_size
        self.workers: list[Worker] = []
        self._bpf = b""
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self.workers:
            raise SandboxError("the sandbox is already started")
        self._bpf = _compile(self.config)
        try:
            for _ in range(self.n_workers):
                worker = Worker(self.config, self._bpf)
                self.workers.append(worker)
                worker.spawn()
        except SandboxUnavailable:
            self.close()
            raise
        self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="sandbox")

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []
        if self._pool:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_many(self, jobs: Sequence[ScriptJob]) -> list[ScriptResult]:
        """Results in the order of `jobs`, each ok or with a failure kind. Never raises for
        anything a script does; raises SandboxUnavailable if a zygote cannot be restarted
        (the caller then runs no script at all: fail closed), ValueError for a malformed job."""
        if not self.workers or self._pool is None:
            raise SandboxError("the sandbox is not started")
        for job in jobs:
            job.check()
        results: list[ScriptResult | None] = [None] * len(jobs)
        todo: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        for batch in plan_batches(jobs, self.batch_size):
            todo.put(batch)
        with self._lock:
            futures = [self._pool.submit(self._drain, w, todo, jobs, results)
                       for w in self.workers]
            for future in futures:
                future.result()
        return results  # type: ignore[return-value]  # _drain fills every slot

    def _drain(self, worker: Worker, todo: queue.SimpleQueue, jobs: Sequence[ScriptJob],
               results: list) -> None:
        while True:
            try:
                batch = todo.get_nowait()
            except queue.Empty:
                return
            while batch:
                answered: list[ScriptResult | None] = [None] * len(batch)
                try:
                    worker.ensure_alive()
                    worker.run([jobs[i] for i in batch], answered)
                except BadOutput as exc:
                    # The tenant's child forged its output: its remaining calls fail. Its pipe
                    # is closed, so the zygote kills it and drops whatever it still writes.
                    _fail_unanswered(batch, answered, jobs, exc)
                except Exception as exc:  # nothing a batch does may stop run_many
                    # Rare (a script cannot kill its zygote): charge the first unanswered
                    # call, restart the worker, run the rest.
                    worker.kill()
                    worker.spawn()
                    if None in answered:
                        first = answered.index(None)
                        job = jobs[batch[first]]
                        answered[first] = ScriptResult(
                            job.key, False, None, None, "", float(job.cpu_ms), "exception",
                            f"the sandbox worker failed during this call: {_describe(exc)}")
                for i, result in zip(batch, answered, strict=True):
                    results[i] = result
                batch = [i for i, result in zip(batch, answered, strict=True) if result is None]


def _fail_unanswered(batch: list[int], answered: list, jobs: Sequence[ScriptJob],
                     exc: BadOutput) -> None:
    """bad_output for every call of the batch not answered yet. The call whose output broke
    is charged the CPU measured for it; the later ones, which may have run meanwhile, their
    whole budget (the kernel's figure for them went with the zygote)."""
    for k, result in enumerate(answered):
        if result is not None:
            continue
        job = jobs[batch[k]]
        if k == exc.index:
            answered[k] = ScriptResult(job.key, False, None, None, "", exc.cpu_ms,
                                       "bad_output", str(exc))
        else:
            answered[k] = ScriptResult(
                job.key, False, None, None, "", float(job.cpu_ms), "bad_output",
                "not run: an earlier call of this owner's batch broke the sandbox protocol")


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, WorkerFailed) else type(exc).__name__
