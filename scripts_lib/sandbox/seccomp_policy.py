"""The seccomp allowlist of a sandbox child, compiled on the host to a BPF program.

An allowlist (default: EPERM) rather than a denylist: whatever a script reaches through the
Python layer, the kernel only lets it compute, allocate non-executable memory and write to the
pipe it already holds. No open, socket, fork/clone, execve, kill, ptrace, prlimit, sigaction.
setitimer stays allowed because the harness re-arms the CPU timer per call; a script that
disarms it still meets the zygote's wall deadline and RLIMIT_CPU.
"""

from __future__ import annotations

import errno
import tempfile

ALLOWED_SYSCALLS = (
    "read", "write", "close", "fstat", "newfstatat", "lseek", "munmap", "mremap", "brk",
    "madvise", "futex", "rt_sigreturn", "rt_sigprocmask", "sigaltstack", "exit", "exit_group",
    "clock_gettime", "clock_getres", "gettimeofday", "getpid", "gettid", "getppid", "getuid",
    "geteuid", "getgid", "getegid", "getrusage",
    "setitimer", "getitimer", "getrandom", "sched_yield",
)  # fmt: skip
PROT_EXEC = 0x4


class SeccompUnavailable(Exception):
    """pyseccomp or libseccomp is missing, or the filter cannot be built."""


def compile_filter() -> bytes:
    """The BPF program (native arch; other arches are killed by libseccomp's default)."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # OSError: libseccomp.so.2 not found
        raise SeccompUnavailable(f"pyseccomp/libseccomp not usable: {exc}") from exc
    try:
        rules = sc.SyscallFilter(sc.ERRNO(errno.EPERM))
        for name in ALLOWED_SYSCALLS:
            rules.add_rule(sc.ALLOW, name)
        for name in ("mmap", "mprotect"):  # memory, but never executable memory
            rules.add_rule(sc.ALLOW, name, sc.Arg(2, sc.MASKED_EQ, PROT_EXEC, 0))
        with tempfile.TemporaryFile() as out:
            rules.export_bpf(out)
            out.seek(0)
            return out.read()
    except (OSError, RuntimeError, ValueError) as exc:
        raise SeccompUnavailable(f"cannot build the seccomp filter: {exc}") from exc
