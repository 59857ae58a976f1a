"""The orchestrator's one door to the scripts side (`scripts_lib.tick`, whose docstring holds
the contract): which agents are scripted, running their scripts (no writes), recording the
tick's script outcomes and applying rotations (both inside the tick's transaction)."""

from __future__ import annotations

from scripts_lib.tick import (
    ScriptTickRun,
    mount_memories,
    rejections_by_ref,
    rotations_apply,
    scripts_mounted_refs,
    scripts_record_tick,
    scripts_run_tick,
)

__all__ = ["ScriptTickRun", "mount_memories", "rejections_by_ref", "rotations_apply",
           "scripts_mounted_refs", "scripts_record_tick", "scripts_run_tick"]
