"""Host side of one zygote: start it under bubblewrap, send batches, read results back.

Everything read from the zygote is treated as hostile (a child that broke out of the Python
layer can write any bytes to its pipe): sizes are capped and results are re-checked here.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import time

from scripts_lib.sandbox import protocol, runner
from scripts_lib.sandbox.isolation import SandboxConfig, probe_problems
from scripts_lib.sandbox.jobs import FAILURE_KINDS, SandboxUnavailable, ScriptJob, ScriptResult

START_TIMEOUT_S = 10.0
WALL_MARGIN_MS = 100  # per call, on top of twice its CPU budget


class WorkerFailed(Exception):
    """The zygote died, hung or broke the protocol; the worker must be respawned."""


def wall_ms(job: ScriptJob) -> int:
    return 2 * job.cpu_ms + WALL_MARGIN_MS


class Worker:
    def __init__(self, config: SandboxConfig, bpf: bytes) -> None:
        self.config = config
        self.bpf = bpf
        self.proc: subprocess.Popen | None = None
        self.buf = b""
        self.poller = select.poll()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def spawn(self) -> dict:
        """Start the zygote and return its probe; SandboxUnavailable if isolation fails."""
        try:
            self.proc = subprocess.Popen(
                self.config.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env={}, close_fds=True, start_new_session=True,
                **self.config.popen_identity())
        except OSError as exc:
            raise SandboxUnavailable(f"cannot start bubblewrap: {exc}") from exc
        self.buf = b""
        self.poller = select.poll()  # not select(): a busy host process may hold fds > 1024
        self.poller.register(self.proc.stdout.fileno(), select.POLLIN)
        config = {"bpf": self.bpf.hex(), "memory_mb": self.config.memory_mb}
        try:
            self._send(protocol.frame(b"C", json.dumps(config).encode()))
            kind, payload = self._read_frame(time.monotonic() + START_TIMEOUT_S)
        except WorkerFailed as exc:
            raise SandboxUnavailable(f"the sandbox did not start: {exc}: "
                                     f"{self._stderr()}") from exc
        if kind != b"Y":
            raise SandboxUnavailable(f"the sandbox did not start: {payload[:500]!r}")
        probe = json.loads(payload)
        problem = probe_problems(probe)
        if problem:
            self.kill()
            raise SandboxUnavailable(problem)
        return probe

    def run(self, jobs: list[ScriptJob], results: list[ScriptResult | None]) -> None:
        """Run one tenant's jobs in forked children (a new child after any failed call),
        filling `results` in place, so calls answered before a WorkerFailed are kept."""
        start = 0
        while start < len(jobs):
            part = jobs[start:]
            header = {"n": len(part), "cpu_ms": [j.cpu_ms for j in part],
                      "wall_ms": [wall_ms(j) for j in part], "setup_ms": self.config.setup_ms}
            payload = json.dumps([
                {"source": j.source, "observation": j.observation, "memory": j.memory,
                 "seed": j.seed, "cpu_ms": j.cpu_ms} for j in part]).encode()
            if len(payload) > protocol.MAX_BATCH_FRAME:
                raise ValueError("batch payload over the frame limit")
            self._send(protocol.frame(b"B", json.dumps(header).encode())
                       + protocol.frame(b"P", payload))
            deadline = (time.monotonic() + 2 * self.config.setup_ms / 1000.0
                        + sum(header["wall_ms"]) / 1000.0)
            start += self._collect(part, results, start, deadline)

    def _collect(self, part: list[ScriptJob], results: list, offset: int,
                 deadline: float) -> int:
        while True:
            kind, payload = self._read_frame(deadline)
            if kind == b"E":
                done = _int_field(payload, "next")
                if not 1 <= done <= len(part) or any(
                        results[offset + i] is None for i in range(done)):
                    raise WorkerFailed("batch ended with calls unanswered")
                return done
            if kind not in (b"D", b"F"):
                raise WorkerFailed(f"unexpected frame {kind!r}")
            index, result = _parse_result(kind, payload, part)
            if results[offset + index] is not None:
                raise WorkerFailed("a call was answered twice")
            results[offset + index] = result

    def _send(self, data: bytes) -> None:
        try:
            protocol.write_all(self.proc.stdin.fileno(), data)
        except OSError as exc:
            raise WorkerFailed(f"zygote stdin: {exc}") from exc

    def _read_frame(self, deadline: float) -> tuple[bytes, bytes]:
        fd = self.proc.stdout.fileno()
        while True:
            if len(self.buf) >= protocol.HEADER.size:
                kind, length = protocol.HEADER.unpack_from(self.buf)
                if length > protocol.MAX_RESULT_FRAME + protocol.INDEX.size:
                    raise WorkerFailed("oversize frame from the zygote")
                end = protocol.HEADER.size + length
                if len(self.buf) >= end:
                    frame, self.buf = self.buf[protocol.HEADER.size:end], self.buf[end:]
                    if kind == b"X":
                        raise WorkerFailed(frame.decode(errors="replace"))
                    return kind, frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerFailed("the zygote missed its deadline")
            if not self.poller.poll(left * 1000):
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerFailed("the zygote exited")
            self.buf += chunk

    def _stderr(self) -> str:
        self.kill()
        try:
            return self.proc.stderr.read(4000).decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def ensure_alive(self) -> None:
        """Respawn a zygote that died while idle (killed from outside), before it gets work."""
        if self.proc is None or self.proc.poll() is not None:
            self.kill()
            self.spawn()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            # bwrap leads its own group; --die-with-parent takes the zygote down with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close(self) -> None:
        if not self.proc:
            return
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()


def _int_field(payload: bytes, name: str) -> int:
    try:
        value = json.loads(payload)[name]
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkerFailed("malformed frame") from exc
    if type(value) is not int:
        raise WorkerFailed("malformed frame")
    return value


def _text(raw: dict, name: str, cap: int) -> str:
    value = raw.get(name, "")
    return value[:cap] if type(value) is str else ""


def _parse_result(kind: bytes, payload: bytes, part: list[ScriptJob]) -> tuple[int, ScriptResult]:
    """A D frame (index from the zygote + the child's JSON) or an F frame (the zygote's JSON)
    as a ScriptResult; a child's malformed JSON becomes bad_output for that call."""
    if kind == b"D":
        if len(payload) < protocol.INDEX.size:
            raise WorkerFailed("malformed frame")
        index = protocol.INDEX.unpack_from(payload)[0]
        payload = payload[protocol.INDEX.size :]
    else:
        index = _int_field(payload, "i")
    if not 0 <= index < len(part):
        raise WorkerFailed("result for an unknown call")
    job = part[index]
    try:
        raw = json.loads(payload)
    except ValueError:  # e.g. an int too long to parse
        raw = None
    if not isinstance(raw, dict):
        raw = {"ok": False, "kind": "bad_output", "message": "malformed result"}
    cpu = raw.get("cpu_ms")
    cpu_ms = float(cpu) if type(cpu) in (int, float) else float(job.cpu_ms)
    kind = raw.get("kind")
    decision, memory = raw.get("decision"), raw.get("memory")
    log = _text(raw, "log", runner.LOG_CAP + 100)
    if raw.get("ok") is True and kind is None and type(decision) is dict and (
            memory is None or type(memory) is dict) and len(
            json.dumps(memory)) <= runner.MEMORY_CAP:
        return index, ScriptResult(job.key, True, decision, memory, log, cpu_ms, None)
    if kind not in FAILURE_KINDS or raw.get("ok") is not False:
        kind, message = "bad_output", "malformed result from the sandbox"
    else:
        message = _text(raw, "message", runner.TEXT_CAP)
    return index, ScriptResult(job.key, False, None, None, log, cpu_ms, kind, message,
                               _text(raw, "traceback", runner.TEXT_CAP))
