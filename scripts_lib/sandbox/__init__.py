"""Runs untrusted strategy scripts in OS isolation (no Django). See README.md."""

from scripts_lib.sandbox.checks import SourceProblem, check_source
from scripts_lib.sandbox.isolation import SandboxConfig
from scripts_lib.sandbox.jobs import (
    FAILURE_KINDS,
    SandboxError,
    SandboxUnavailable,
    ScriptJob,
    ScriptResult,
    apply_validation,
)
from scripts_lib.sandbox.supervisor import Sandbox, isolation_status

__all__ = [
    "FAILURE_KINDS",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "SandboxUnavailable",
    "ScriptJob",
    "ScriptResult",
    "SourceProblem",
    "apply_validation",
    "check_source",
    "isolation_status",
]
