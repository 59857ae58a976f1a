"""Kernel-level hardening of a forked child: rlimits, the seccomp filter and the CPU timer.

Runs inside bubblewrap; stdlib only, no sibling imports. The BPF program is compiled on the
host (seccomp_policy.py) and loaded here with two prctl calls, so libseccomp is not needed
inside the sandbox.
"""

from __future__ import annotations

import ctypes
import resource
import signal

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Seccomp:
    """A compiled filter, prepared once in the zygote so a child only pays for two syscalls."""

    def __init__(self, bpf: bytes) -> None:
        if not bpf or len(bpf) % 8:
            raise ValueError("the BPF program must be a non-empty list of 8-byte instructions")
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._buf = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = _SockFprog(len(bpf) // 8, ctypes.addressof(self._buf))

    def load(self) -> None:
        prctl = self._libc.prctl
        if prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(self._prog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def vm_size_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("VmSize missing from /proc/self/status")


def set_limits(as_bytes: int, cpu_seconds: int, nofile: int) -> None:
    """Hard limits equal soft limits so the script cannot raise them back."""
    resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # counts for our non-root host uid
    # SIGXCPU at the soft limit, SIGKILL one second later: a backstop behind the timer
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def arm_cpu_timer(cpu_ms: float) -> None:
    # No SIGPROF handler is ever installed, so expiry kills the process even inside C code
    # or a loop that swallows exceptions.
    signal.setitimer(signal.ITIMER_PROF, cpu_ms / 1000.0)


def disarm_cpu_timer() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
