"""How a zygote is started: the bubblewrap command line, the host uid, and the fail-closed checks.

A zygote is started by exec (subprocess), never forked from the caller's Python: the exec'd
image holds no copy of Django's settings, secrets or database sockets, and its environment
is empty.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_DIR = Path(__file__).resolve().parent
INSIDE_DIR = "/sandbox"


@dataclass(frozen=True)
class SandboxConfig:
    """Defaults fit Debian 12: the system Python (the venv's interpreter may live where the
    unprivileged uid cannot read), its stdlib and the shared libraries, bound read-only."""

    bwrap: str = "/usr/bin/bwrap"
    python: str = "/usr/bin/python3.11"
    stdlib: str = "/usr/lib/python3.11"
    libs: tuple[str, ...] = ("/usr/lib/x86_64-linux-gnu", "/usr/lib64")
    symlinks: tuple[tuple[str, str], ...] = (("usr/lib", "/lib"), ("usr/lib64", "/lib64"))
    uid: int = 65534  # nobody: RLIMIT_NPROC is ignored for root, so never run as root
    gid: int = 65534
    memory_mb: int = 256  # address space a child may add to the zygote's
    setup_ms: int = 2000  # fork + read + harden, before the first call starts
    extra_binds: tuple[str, ...] = field(default=())

    @classmethod
    def detect(cls) -> SandboxConfig:
        """The running interpreter when any user may read it (python:3.11 images keep it in
        /usr/local), else Debian's system Python (a pyenv build under /root is unreadable)."""
        exe = os.path.realpath(sys.executable)
        stdlib = os.path.realpath(sysconfig.get_path("stdlib"))
        libdir = os.path.realpath(sysconfig.get_config_var("LIBDIR") or stdlib)
        if all(_world_readable(p) for p in (exe, stdlib, libdir)):
            libs = tuple(dict.fromkeys((*cls.libs, libdir)))
            return cls(python=exe, stdlib=stdlib, libs=libs)
        return cls()

    def command(self) -> list[str]:
        python = os.path.realpath(self.python)
        cmd = [
            self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
            "--uid", str(self.uid), "--gid", str(self.gid), "--hostname", "sandbox",
            "--ro-bind", python, python, "--ro-bind", self.stdlib, self.stdlib,
        ]  # fmt: skip
        for path in (*self.libs, *self.extra_binds):
            cmd += ["--ro-bind", path, path]
        for target, link in self.symlinks:
            cmd += ["--symlink", target, link]
        cmd += ["--ro-bind", sandbox_code_dir(), INSIDE_DIR, "--proc", "/proc", "--dev", "/dev",
                "--chdir", "/", python, "-I", "-S", "-B", f"{INSIDE_DIR}/zygote.py"]
        return cmd

    def popen_identity(self) -> dict:
        """As root, drop to the unprivileged uid before exec (bwrap then uses an unprivileged
        user namespace); as any other user, stay that user."""
        if os.geteuid() != 0:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def sandbox_code_dir() -> str:
    """The folder bound at /sandbox. The sandbox uid must be able to read it: a checkout in a
    private folder (mktemp's 0700, /root) is not readable, so the sandbox's own modules are
    copied once into a root-owned, read-only folder named by their content."""
    if _world_readable(str(SANDBOX_DIR)):
        return str(SANDBOX_DIR)
    files = sorted(SANDBOX_DIR.glob("*.py"))
    digest = hashlib.sha256(b"".join(f.name.encode() + f.read_bytes() for f in files))
    target = Path(tempfile.gettempdir()) / f"econsim-sandbox-{digest.hexdigest()[:20]}"
    if _owned_and_sealed(target):
        return str(target)
    staging = Path(tempfile.mkdtemp(prefix="econsim-sandbox-staging-"))
    for f in files:
        shutil.copyfile(f, staging / f.name)
        os.chmod(staging / f.name, 0o444)
    os.chmod(staging, 0o555)
    try:
        os.rename(staging, target)
    except OSError:  # another process won the race, or a stale folder is in the way
        shutil.rmtree(staging, ignore_errors=True)
        if not _owned_and_sealed(target):
            raise
    return str(target)


def _owned_and_sealed(path: Path) -> bool:
    """Ours and writable by nobody else, so no other local user can have planted code there."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and _world_readable(str(path)))


def _world_readable(path: str) -> bool:
    """Whether a user with no special rights may reach `path` (the sandbox uid must)."""
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        try:
            mode = os.stat(Path(*parts[:i])).st_mode
        except OSError:
            return False
        needed = stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH
        if not mode & needed:
            return False
    return True


def static_problems(config: SandboxConfig) -> str | None:
    """What is missing on this host, before anything is started; None when nothing is."""
    if not sys.platform.startswith("linux"):
        return "the sandbox needs Linux (bubblewrap, seccomp, user namespaces)"
    if not (os.access(config.bwrap, os.X_OK) or shutil.which(config.bwrap)):
        return f"bubblewrap not found at {config.bwrap} (Debian package: bubblewrap)"
    if not os.access(config.python, os.X_OK):
        return f"sandbox interpreter {config.python} not found (Debian package: python3.11)"
    for path in (config.stdlib, *config.libs):
        if not os.path.isdir(path):
            return f"{path} is missing"
    if config.uid == 0 or config.gid == 0:
        return "scripts must not run as root: configure an unprivileged uid and gid"
    return None


def probe_problems(probe: dict) -> str | None:
    """Check what a hardened child reported about itself from inside the sandbox."""
    if probe.get("error"):
        return f"hardening failed inside the sandbox: {probe['error']}"
    if probe.get("uid") == 0:
        return "the sandbox runs as root"
    for check in ("open", "fork", "kill"):
        if probe.get(check) is not True:
            return f"seccomp did not refuse {check} in the sandbox"
    return None
