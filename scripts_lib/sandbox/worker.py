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
import socket
import subprocess
import time

from scripts_lib.sandbox import protocol, runner
from scripts_lib.sandbox.isolation import SandboxConfig, probe_problems
from scripts_lib.sandbox.jobs import FAILURE_KINDS, SandboxUnavailable, ScriptJob, ScriptResult

START_TIMEOUT_S = 10.0
WALL_MARGIN_MS = 100  # per call, on top of twice its CPU budget


class WorkerFailed(Exception):
    """The zygote died, hung or broke the protocol; the worker must be respawned."""


class BadOutput(WorkerFailed):
    """What a child wrote for call `index` does not parse as a result. The child broke out of
    the harness: its tenant's remaining calls fail, and its batch's pipe is closed (the zygote
    then kills the child; the zygote itself is kept)."""

    def __init__(self, index: int, cpu_ms: float, why: str) -> None:
        super().__init__(why)
        self.index, self.cpu_ms = index, cpu_ms


def wall_ms(job: ScriptJob) -> int:
    return 2 * job.cpu_ms + WALL_MARGIN_MS


class FrameReader:
    """Frames from one fd, under a deadline, with a buffer of its own (dropped with it)."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd, self.limit, self.buf = fd, limit, b""
        self.poller = select.poll()  # not select(): a busy host process may hold fds > 1024
        self.poller.register(fd, select.POLLIN)

    def read(self, deadline: float) -> tuple[bytes, bytes]:
        while True:
            if len(self.buf) >= protocol.HEADER.size:
                kind, length = protocol.HEADER.unpack_from(self.buf)
                if length > self.limit:
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
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise WorkerFailed("the zygote exited")
            self.buf += chunk


class Worker:
    def __init__(self, config: SandboxConfig, bpf: bytes) -> None:
        self.config = config
        self.bpf = bpf
        self.proc: subprocess.Popen | None = None
        self.control: socket.socket | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def spawn(self) -> dict:
        """Start the zygote and return its probe; SandboxUnavailable if isolation fails."""
        self._close_pipes()  # a killed predecessor's
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.proc = subprocess.Popen(
                self.config.command(), stdin=theirs, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env={}, close_fds=True, start_new_session=True,
                **self.config.popen_identity())
        except OSError as exc:
            raise SandboxUnavailable(f"cannot start bubblewrap: {exc}") from exc
        finally:
            theirs.close()
        config = {"bpf": self.bpf.hex(), "memory_mb": self.config.memory_mb}
        try:
            self._send(protocol.frame(b"C", json.dumps(config).encode()))
            reader = FrameReader(self.proc.stdout.fileno(), protocol.MAX_RESULT_FRAME)
            kind, payload = reader.read(time.monotonic() + START_TIMEOUT_S)
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
            deadline = (time.monotonic() + 2 * self.config.setup_ms / 1000.0
                        + sum(header["wall_ms"]) / 1000.0)
            # A pipe for this batch alone: what the zygote writes for it is read from here or
            # nowhere, and closing it drops whatever a broken batch left unread.
            rfd, wfd = os.pipe()
            try:
                try:
                    self._send(protocol.frame(b"B", json.dumps(header).encode()), fd=wfd)
                finally:
                    os.close(wfd)
                self._send(protocol.frame(b"P", payload))
                reader = FrameReader(rfd, protocol.MAX_RESULT_FRAME + protocol.RESULT.size)
                start += self._collect(reader, part, results, start, deadline)
            finally:
                os.close(rfd)

    def _collect(self, reader: FrameReader, part: list[ScriptJob], results: list,
                 offset: int, deadline: float) -> int:
        while True:
            kind, payload = reader.read(deadline)
            if kind == b"E":
                if len(payload) != protocol.INDEX.size:
                    raise WorkerFailed("malformed frame")
                done = protocol.INDEX.unpack(payload)[0]
                if not 1 <= done <= len(part) or any(
                        results[offset + i] is None for i in range(done)):
                    raise WorkerFailed("batch ended with calls unanswered")
                if reader.buf:
                    raise WorkerFailed("bytes after the end of a batch")
                return done
            if kind not in (b"D", b"F"):
                raise WorkerFailed(f"unexpected frame {kind!r}")
            try:
                index, result = _parse_result(kind, payload, part)
            except BadOutput as exc:
                exc.index += offset  # the caller counts calls from the batch's start
                raise
            if results[offset + index] is not None:
                raise WorkerFailed("a call was answered twice")
            results[offset + index] = result

    def _send(self, data: bytes, fd: int | None = None) -> None:
        """Write to the zygote's control socket; `fd` travels with the first byte."""
        try:
            if fd is not None:
                sent = socket.send_fds(self.control, [data], [fd])
                data = data[sent:]
            self.control.sendall(data)
        except OSError as exc:
            raise WorkerFailed(f"zygote control socket: {exc}") from exc

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
        self._close_pipes()  # the zygote reads EOF and exits
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()

    def _close_pipes(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc:
            for stream in (self.proc.stdout, self.proc.stderr):
                with contextlib.suppress(OSError):
                    stream.close()


def _parse_result(kind: bytes, payload: bytes, part: list[ScriptJob]) -> tuple[int, ScriptResult]:
    """A D frame (the zygote's index and CPU + the child's JSON) or an F frame (the zygote's
    index and CPU + its JSON) as a ScriptResult. The CPU charged is the zygote's measure."""
    if len(payload) < protocol.RESULT.size:
        raise WorkerFailed("malformed frame")
    index, cpu_ns = protocol.RESULT.unpack_from(payload)
    if not 0 <= index < len(part):
        raise WorkerFailed("result for an unknown call")
    job, cpu_ms, body = part[index], cpu_ns / 1e6, payload[protocol.RESULT.size:]
    if kind == b"F":
        raw = _zygote_json(body)
        kind_ = raw.get("kind")
        if kind_ not in FAILURE_KINDS:
            raise WorkerFailed("malformed failure frame")
        return index, ScriptResult(job.key, False, None, None, "", cpu_ms, kind_,
                                   runner.clean_text(raw.get("message"), runner.TEXT_CAP))
    try:
        return index, _child_result(job, cpu_ms, body)
    except Exception as exc:  # any way of failing to parse is the child's doing
        raise BadOutput(index, cpu_ms, f"malformed result from the sandbox: {_why(exc)}") from exc


def _zygote_json(body: bytes) -> dict:
    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise WorkerFailed("malformed frame") from exc
    if not isinstance(raw, dict):
        raise WorkerFailed("malformed frame")
    return raw


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _child_result(job: ScriptJob, cpu_ms: float, body: bytes) -> ScriptResult:
    """The child's JSON, re-checked as if a stranger wrote it (it may have): every field's
    type, the caps, and decision and memory as plain JSON a database can store."""
    raw = json.loads(body, parse_constant=_reject_constant)
    if type(raw) is not dict:
        raise ValueError("not an object")
    log = runner.clean_text(_text(raw, "log"), runner.LOG_CAP + 100)
    if raw.get("ok") is True:
        decision, memory = raw.get("decision"), raw.get("memory")
        if raw.get("kind") is not None or type(decision) is not dict or not (
                memory is None or type(memory) is dict):
            raise ValueError("fields of the wrong type")
        problem = (runner.plain_json_problem(decision, runner.DECISION_CAP)
                   or runner.plain_json_problem(memory, runner.MEMORY_CAP))
        if problem:
            raise ValueError(problem)
        return ScriptResult(job.key, True, decision, memory, log, cpu_ms, None)
    kind = raw.get("kind")
    if raw.get("ok") is not False or kind not in FAILURE_KINDS:
        raise ValueError("no valid failure kind")
    return ScriptResult(job.key, False, None, None, log, cpu_ms, kind,
                        runner.clean_text(_text(raw, "message"), runner.TEXT_CAP),
                        runner.clean_text(_text(raw, "traceback"), runner.TEXT_CAP))


def _text(raw: dict, name: str) -> str:
    value = raw.get(name, "")
    if type(value) is not str:
        raise ValueError(f"{name} is not a string")
    return value


def _why(exc: BaseException) -> str:
    return type(exc).__name__ if isinstance(exc, RecursionError | MemoryError) else str(exc)[:200]
