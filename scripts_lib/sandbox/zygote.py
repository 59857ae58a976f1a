"""The warm worker inside bubblewrap (run as a script: python3 -I -S -B /sandbox/zygote.py).

It preloads the allowed modules, then for every batch (the calls of one tenant) forks a child
that reads the batch itself, hardens itself and runs the calls. The zygote never parses a
tenant's source, observation or results: the child reads the payload straight from stdin and
results pass through one reused, zeroed buffer, so a later tenant's child forks off a zygote
holding no earlier tenant's data. The zygote enforces each call's wall deadline with SIGKILL
and measures each call's CPU from the kernel's accounting of the child (never from what the
child says). Each batch's results go to the host on a pipe the host made for that batch alone.
"""

from __future__ import annotations

import _thread
import contextlib
import gc
import json
import math
import os
import resource
import select
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import child
import protocol
import runner

RESULT_FD = 3
NOFILE = 4  # fds 0-2 closed, 3 is the result pipe
GAP_S = 0.25  # deadline between calls (the harness writes "done" and "started" at once)
HARNESS_FAILED = 70  # exit status of a child whose own code (not the script's) failed
DROPPED = ("dropped", "the host closed the batch's pipe")
_TIMEOUT_SIGNALS = {signal.SIGPROF: "CPU budget exceeded", signal.SIGXCPU: "CPU limit exceeded"}


class Zygote:
    def __init__(self, config: dict) -> None:
        self.modules = runner.preload()
        self.seccomp = child.Seccomp(bytes.fromhex(config["bpf"]))
        self.as_bytes = child.vm_size_bytes() + int(config["memory_mb"]) * 1024 * 1024
        self.buf = bytearray(protocol.MAX_RESULT_FRAME + protocol.HEADER.size)
        self.dying: list[int] = []  # killed children not reaped yet
        gc.freeze()  # keep preloaded objects out of collections: fewer copied pages per fork

    def harden(self, cpu_seconds: int) -> None:
        child.set_limits(self.as_bytes, cpu_seconds, NOFILE)
        self.seccomp.load()

    def probe(self) -> dict:
        """Fork a hardened child and check from inside that the kernel refuses what it must."""
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            report = {"uid": os.getuid()}
            try:
                self.harden(1)
                report.update(open=_refused(lambda: os.open("/proc/self/status", os.O_RDONLY)),
                              fork=_refused(os.fork), kill=_refused(lambda: os.kill(1, 0)))
            except BaseException as exc:
                report["error"] = repr(exc)
            protocol.write_all(wfd, json.dumps(report).encode())
            os._exit(0)
        os.close(wfd)
        data = b""
        while chunk := os.read(rfd, 4096):
            data += chunk
        os.close(rfd)
        os.waitpid(pid, 0)
        return json.loads(data or b"{}")

    def reap(self) -> None:
        self.dying = [pid for pid in self.dying if not os.waitpid(pid, os.WNOHANG)[0]]

    def run_batch(self, header: dict, payload_len: int, out: int) -> None:
        """Run one batch; every frame for the host goes to `out`, this batch's own pipe."""
        self.reap()
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            self._child(header, payload_len, wfd)
        os.close(wfd)
        try:
            self._pump(rfd, pid, header, out)
        finally:
            os.close(rfd)

    def _child(self, header: dict, payload_len: int, wfd: int) -> None:
        try:
            payload = protocol.read_exact(0, payload_len)
            os.dup2(wfd, RESULT_FD)
            os.closerange(0, RESULT_FD)
            os.closerange(RESULT_FD + 1, 1 << 16)
            protocol.write_frame(RESULT_FD, b"R")
            jobs = json.loads(payload)
            del payload
            self.harden(math.ceil(sum(header["cpu_ms"]) / 1000.0) + 1)
            protocol.write_frame(RESULT_FD, b"S", protocol.INDEX.pack(0))
            for i, job in enumerate(jobs):
                child.arm_cpu_timer(job["cpu_ms"])
                result = runner.run_call(job["source"], job["observation"], job["memory"],
                                         job["seed"], self.modules)
                child.disarm_cpu_timer()
                del result["cpu_ms"]  # the zygote measures CPU; the child's word is not taken
                data = json.dumps({**result, "i": i}).encode()
                if len(data) > protocol.MAX_RESULT_FRAME - 1024:
                    data = json.dumps({"i": i, "ok": False, "kind": "bad_output",
                                       "message": "output over the size cap"}).encode()
                # one write for "done i" and "started i+1" (or the end): one wakeup per call
                after = (protocol.frame(b"S", protocol.INDEX.pack(i + 1)) if i + 1 < len(jobs)
                         else protocol.frame(b"E"))
                protocol.write_all(RESULT_FD, protocol.frame(b"D", data) + after)
            # Sleep until the zygote, having read our settled CPU clock, kills us.
            lock = _thread.allocate_lock()
            lock.acquire()
            lock.acquire()
        except BaseException:
            os._exit(HARNESS_FAILED)
        os._exit(0)

    def _pump(self, rfd: int, pid: int, header: dict, out: int) -> None:
        """Forward the child's results; kill it at a call's wall deadline; report the end."""
        n, wall_ms, setup_s = header["n"], header["wall_ms"], header["setup_ms"] / 1000.0
        view, fill, high = memoryview(self.buf), 0, 0
        deadline = time.monotonic() + setup_s
        # mark: the child's CPU clock when the zygote forwarded the last result. Every ns the
        # child used is charged: its setup with the first call, and a result read late moves
        # CPU only between calls of the same tenant.
        state = {"ready": False, "current": None, "next": 0, "ended": False, "mark": 0,
                 "pid": pid, "out": out}
        failure = None
        poller = select.poll()
        poller.register(rfd, select.POLLIN)
        poller.register(out, 0)  # POLLERR: the host closed this batch's pipe, it wants no more
        while not state["ended"]:
            left = deadline - time.monotonic()
            if left <= 0:
                failure = ("timeout", "wall-clock deadline exceeded")
                break
            events = dict(poller.poll(left * 1000))
            if out in events:
                failure = DROPPED
                break
            if not events:
                continue
            got = os.readv(rfd, [view[fill:]])
            if got == 0:
                break
            fill += got
            high = max(high, fill)
            consumed, problem = 0, None
            while fill - consumed >= protocol.HEADER.size:
                kind, length = protocol.HEADER.unpack_from(self.buf, consumed)
                if length > protocol.MAX_RESULT_FRAME:
                    problem = ("bad_output", "output over the size cap")
                    break
                end = consumed + protocol.HEADER.size + length
                if end > fill:
                    break
                problem = self._handle(kind, view[consumed:end], state, n)
                consumed = end
                if problem:
                    break
                if state["current"] is not None:
                    deadline = time.monotonic() + wall_ms[state["current"]] / 1000.0
                elif state["next"]:  # between calls the harness only writes: a short leash
                    deadline = time.monotonic() + GAP_S
            if problem:
                failure = problem
                break
            if consumed:
                view[: fill - consumed] = view[consumed:fill]
                fill -= consumed
        view[:high] = bytes(high)  # leave no tenant data behind for the next tenant's fork
        self._finish(pid, state, failure, n)

    def _handle(self, kind: bytes, frame: memoryview, state: dict, n: int) -> tuple | None:
        if kind == b"R" and not state["ready"]:
            state["ready"] = True
        elif (kind == b"S" and state["ready"] and state["current"] is None
              and len(frame) == protocol.HEADER.size + protocol.INDEX.size):
            index = protocol.INDEX.unpack_from(frame, protocol.HEADER.size)[0]
            if index != state["next"] or index >= n:
                return ("bad_output", "the child broke the result protocol")
            state["current"] = index
        elif kind == b"D" and state["current"] is not None:
            # the host takes the call's index and CPU from us, not from what the child wrote
            index, body = state["current"], frame[protocol.HEADER.size :]
            state["next"], state["current"] = index + 1, None
            if index == n - 1:  # sent at the end, with the clock settled (see _finish)
                state["held"] = bytes(body)  # the buffer is reused before then
                return None
            now = cpu_ns(state["pid"])
            if not _forward(state["out"], index, now - state["mark"], body):
                return DROPPED
            state["mark"] = now
        elif kind == b"E" and state["current"] is None:
            state["ended"] = True
        else:
            return ("bad_output", "the child broke the result protocol")
        return None

    def _finish(self, pid: int, state: dict, failure: tuple | None, n: int) -> None:
        out = state["out"]
        if failure is DROPPED:  # the host found this tenant's output forged: end it, say nothing
            os.kill(pid, signal.SIGKILL)
            self.dying.append(pid)
            return
        if state["ended"] and failure is None:
            # Every result is out. The last one goes with the child's CPU read once it sleeps
            # (the kernel brings a process's clock up to date when it stops running). Then kill
            # it and let the kernel tear it down while we serve the next batch; it is reaped
            # later. The count answered is ours, not n: an early E forged by a script only
            # costs a re-fork.
            if "held" in state:
                _forward(out, n - 1, settled_cpu_ns(pid) - state["mark"], state["held"])
            os.kill(pid, signal.SIGKILL)
            self.dying.append(pid)
            _to_host(out, b"E", protocol.INDEX.pack(state["next"]))
            return
        if failure is not None:  # the child is condemned
            os.kill(pid, signal.SIGKILL)
            status, used_ns = _reap(pid)
        else:  # EOF: the child died, or closed its pipe and must be stopped
            status, used_ns = _wait_or_kill(pid)
        if "held" in state:  # the last call answered, then the child went wrong: still its
            _forward(out, n - 1, used_ns - state["mark"], state["held"])
        if not state["ready"]:
            # the child died before taking its payload off stdin: the stream is out of step
            _to_host(out, b"X", b"a child died before reading its batch")
            raise SystemExit(3)
        if failure is None:
            failure = _classify(status)
        index = state["current"] if state["current"] is not None else state["next"]
        if index < n:
            body = {"kind": failure[0], "message": failure[1]}
            _to_host(out, b"F", protocol.RESULT.pack(
                index, max(used_ns - state["mark"], 0)) + json.dumps(body).encode())
        _to_host(out, b"E", protocol.INDEX.pack(min(index + 1, n)))


def _to_host(out: int, kind: bytes, payload: bytes) -> None:
    """A frame on the batch's pipe; a pipe the host has closed wants nothing more."""
    with contextlib.suppress(BrokenPipeError):
        protocol.write_frame(out, kind, payload)


def _forward(out: int, index: int, used_ns: int, body: bytes | memoryview) -> bool:
    """A child's result to the host, stamped with its call index and measured CPU; False when
    the host has closed the batch's pipe."""
    head = (protocol.HEADER.pack(b"D", len(body) + protocol.RESULT.size)
            + protocol.RESULT.pack(index, max(used_ns, 0)))
    try:
        if os.writev(out, [head, body]) != len(head) + len(body):
            raise OSError("short write to the host")  # blocking: all or an error
    except BrokenPipeError:
        return False
    return True


def settled_cpu_ns(pid: int, wait_s: float = 0.005) -> int:
    """The child's CPU once it has stopped running: a running process's clock, read from
    outside, lags by up to a scheduler tick; a sleeping one's is exact. The harness sleeps
    after its last frame; a child that does not is read after `wait_s` anyway."""
    deadline = time.monotonic() + wait_s
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.00005)
    return cpu_ns(pid)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            data = stat.read()
    except OSError:
        return False
    return data[data.rindex(b")") + 2 : data.rindex(b")") + 3] == b"R"


def cpu_ns(pid: int) -> int:
    """The child's CPU time so far (user + system, ns) from the kernel's scheduler clock of
    that process: readable from outside, as precise as the accounting itself."""
    return time.clock_gettime_ns(((~pid) << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, SCHED)


def _rusage_ns(usage: resource.struct_rusage) -> int:
    return round((usage.ru_utime + usage.ru_stime) * 1e9)


def _reap(pid: int) -> tuple[int, int]:
    """Wait for a killed child: (status, its total CPU in ns from the kernel)."""
    _, status, usage = os.wait4(pid, 0)
    return status, _rusage_ns(usage)


def _refused(action: object) -> bool:
    try:
        result = action()
    except OSError:
        return True
    if result == 0:  # we are a child that fork() should never have created
        os._exit(0)
    return False


def _wait_or_kill(pid: int, grace_s: float = 0.1) -> tuple[int, int]:
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, _rusage_ns(usage)
        time.sleep(0.0005)
    os.kill(pid, signal.SIGKILL)
    return _reap(pid)


def _classify(status: int) -> tuple[str, str]:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig in _TIMEOUT_SIGNALS:
            return "timeout", _TIMEOUT_SIGNALS[sig]
        if sig == signal.SIGKILL:
            return "timeout", "killed at a resource limit"
        if sig == signal.SIGSEGV:
            return "exception", "the interpreter crashed (e.g. recursion too deep in C code)"
        return "exception", f"the process died from signal {signal.Signals(sig).name}"
    code = os.waitstatus_to_exitcode(status)
    if code == HARNESS_FAILED:
        return "exception", "the sandbox failed outside the script"
    return "exception", f"the script ended its process (exit status {code})"


def read_batch(control: socket.socket) -> tuple[dict, int, int]:
    """The next batch header, its payload's length (the child reads the payload) and the write
    end of the pipe the host made for this batch's results, passed along with the header."""
    head, fds, _, _ = socket.recv_fds(control, protocol.HEADER.size, 1)
    if not head:
        raise protocol.ProtocolError("the host closed the control socket")
    if len(fds) != 1:
        raise SystemExit("a batch header came without its result pipe")
    head += protocol.read_exact(0, protocol.HEADER.size - len(head))
    kind, length = protocol.HEADER.unpack(head)
    if kind != b"B" or length > protocol.MAX_RESULT_FRAME:
        raise SystemExit("expected a batch header")
    header = json.loads(protocol.read_exact(0, length))
    payload_kind, payload_len = protocol.read_header(0)
    if payload_kind != b"P":
        raise SystemExit("expected a batch payload")
    return header, payload_len, fds[0]


def main() -> None:
    control = socket.socket(fileno=0)  # a Unix stream socket: frames and result pipes
    kind, payload = protocol.read_frame(0)
    if kind != b"C":
        raise SystemExit("expected a config frame")
    zygote = Zygote(json.loads(payload))
    protocol.write_frame(1, b"Y", json.dumps(zygote.probe()).encode())
    while True:
        try:
            header, payload_len, out = read_batch(control)
        except protocol.ProtocolError:
            return  # the host closed our stdin: shut down
        try:
            zygote.run_batch(header, payload_len, out)
        finally:
            os.close(out)


if __name__ == "__main__":
    main()
