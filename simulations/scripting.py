"""The orchestrator's one door to the scripts side (`scripts_lib.tick`).

Contract (owned by scripts_lib):
    scripts_mounted_refs(*, simulation_id) -> list[(agent_type, engine_id)]
    scripts_run_tick(*, simulation_id, tick, world_seed, observations) -> ScriptTickRun
        (.decisions {ref: dict}, .results, .versions_in_force {ref str: version id});
        runs the sandbox, writes nothing
    scripts_record_tick(*, simulation_id, tick, run, rejected) -> None   inside the tick's
        transaction (failures, script logs, memory, CPU buckets)
    rotations_apply(*, simulation_id, tick) -> list   at a day boundary, inside the transaction

Until `scripts_lib/tick.py` exists no script can be mounted, and this module answers for a
world without scripts: no mounted agents, no decisions, nothing to record or rotate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AgentRef = tuple[str, int]

try:
    from scripts_lib.tick import (
        rotations_apply,
        scripts_mounted_refs,
        scripts_record_tick,
        scripts_run_tick,
    )
except ModuleNotFoundError as missing:
    if missing.name != "scripts_lib.tick":
        raise

    @dataclass
    class ScriptTickRun:
        decisions: dict[AgentRef, dict] = field(default_factory=dict)
        results: list[Any] = field(default_factory=list)
        versions_in_force: dict[str, int] = field(default_factory=dict)

    def scripts_mounted_refs(*, simulation_id: int) -> list[AgentRef]:
        return []

    def scripts_run_tick(*, simulation_id: int, tick: int, world_seed: int,
                         observations: dict) -> ScriptTickRun:
        return ScriptTickRun()

    def scripts_record_tick(*, simulation_id: int, tick: int, run: Any,
                            rejected: list[dict]) -> None:
        return None

    def rotations_apply(*, simulation_id: int, tick: int) -> list:
        return []


__all__ = ["rotations_apply", "scripts_mounted_refs", "scripts_record_tick", "scripts_run_tick"]
