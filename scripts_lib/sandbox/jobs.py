"""What callers hand the sandbox and what they get back, plus the sandbox's errors."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass


def gettext_noop(text: str) -> str:
    """Marks a label for makemessages (the platform translates it; no Django here)."""
    return text


# Every way a call can fail, with the label the platform shows; defined here once (the
# platform's choices derive from it). The runner, a stdlib-only file run inside the child,
# names the kinds it produces ("memory", "exception", "bad_output") one by one.
FAILURE_KIND_LABELS = {
    "timeout": gettext_noop("Timeout (CPU budget)"),
    "memory": gettext_noop("Memory limit"),
    "exception": gettext_noop("Exception"),
    "bad_output": gettext_noop("Bad output"),
    "rejected_decision": gettext_noop("Decision rejected by the engine"),
}
FAILURE_KINDS = tuple(FAILURE_KIND_LABELS)
MAX_SOURCE_BYTES = 256 * 1024
MAX_CPU_MS = 10_000


class SandboxError(Exception):
    """Base of the sandbox's own errors."""


class SandboxUnavailable(SandboxError):
    """Isolation cannot be set up here, so no script may run: the message says why."""


@dataclass(frozen=True)
class ScriptJob:
    """One call of decide(obs). `tenant` groups calls that may share one forked process
    (the same owner); "" means the call gets a process of its own."""

    key: str
    source: str
    observation: dict
    seed: int
    cpu_ms: int = 50
    memory: dict | None = None
    tenant: str = ""

    def check(self) -> None:
        if len(self.source.encode()) > MAX_SOURCE_BYTES:
            raise ValueError(f"{self.key}: source over {MAX_SOURCE_BYTES} bytes")
        if type(self.cpu_ms) is not int or not 1 <= self.cpu_ms <= MAX_CPU_MS:
            raise ValueError(f"{self.key}: cpu_ms must be an int in [1, {MAX_CPU_MS}]")
        if type(self.seed) is not int:
            raise ValueError(f"{self.key}: seed must be an int")


@dataclass(frozen=True)
class ScriptResult:
    key: str
    ok: bool
    decision: dict | None
    memory: dict | None
    log: str
    cpu_ms: float  # CPU the kernel measured for the call (ms), as charged to its owner
    failure_kind: str | None  # one of FAILURE_KINDS when not ok
    message: str = ""
    traceback: str = ""  # the user's own lines only

    def __post_init__(self) -> None:
        # cpu_ms is what the owner is charged: measured by the host, never the script's word
        if type(self.cpu_ms) is not float or not math.isfinite(self.cpu_ms) or self.cpu_ms < 0:
            raise ValueError(f"{self.key}: cpu_ms must be a finite float >= 0")


def apply_validation(result: ScriptResult, validate: Callable[[dict], dict]) -> ScriptResult:
    """Run a schema validator (e.g. `lambda d: validate_decision(type, d, ctx)`) on a good
    result. An error carrying `field` and `rule` (DecisionError) becomes `rejected_decision`."""
    if not result.ok or result.decision is None:
        return result
    try:
        return dataclasses.replace(result, decision=validate(result.decision))
    except Exception as exc:
        field, rule = getattr(exc, "field", None), getattr(exc, "rule", None)
        if rule is None:
            raise
        return dataclasses.replace(result, ok=False, decision=None, memory=None,
                                   failure_kind="rejected_decision",
                                   message=f"{field or 'decision'}: {rule}")
