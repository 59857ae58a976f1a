"""The process-wide sandbox: started lazily on first use, in the process that uses it.

The sandbox owns threads and pipes, which do not survive a fork. Starting it on first use
(not at import, not in AppConfig.ready) means a Celery prefork child or a gunicorn worker
starts its own after the fork; the pid check covers a process forked after the start.
"""

from __future__ import annotations

import atexit
import os
import threading

from django.conf import settings

from scripts_lib.sandbox import Sandbox

_lock = threading.Lock()
_sandbox: Sandbox | None = None
_pid: int | None = None


def sandbox_get() -> Sandbox:
    """The started sandbox of this process. Raises SandboxUnavailable (fail closed) when
    isolation cannot be set up here; the next call tries again."""
    global _sandbox, _pid
    with _lock:
        if _sandbox is not None and _pid == os.getpid():
            return _sandbox
        # A copy inherited through fork has dead threads and shared pipes: never use or close
        # it here (closing would kill the parent's zygotes' stdin); start our own.
        box = Sandbox(workers=settings.SCRIPT_SANDBOX_WORKERS or None,
                      batch_size=settings.SCRIPT_SANDBOX_BATCH)
        box.start()
        _sandbox, _pid = box, os.getpid()
        return box


def sandbox_close() -> None:
    global _sandbox, _pid
    with _lock:
        if _sandbox is not None and _pid == os.getpid():
            _sandbox.close()
        _sandbox, _pid = None, None


atexit.register(sandbox_close)
