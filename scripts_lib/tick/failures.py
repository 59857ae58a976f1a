"""What counts as a failed call, and the ScriptFailure row that records it."""

from __future__ import annotations

from typing import NamedTuple

from scripts_lib.models import FailureKind, ScriptFailure
from scripts_lib.tick.run import AgentRef, MountCall, ScriptTickRun

EXCERPT_LIST_ITEMS = 20  # lists in a failure's observation excerpt keep this many items


class Failure(NamedTuple):
    kind: str
    message: str
    traceback: str
    decision: dict | None


def rejections_by_ref(rejected: list[dict]) -> dict[AgentRef, dict]:
    """The engine's rejections (TickResult.rejected, agent "type:id") keyed by AgentRef."""
    out = {}
    for row in rejected:
        agent_type, _, agent_id = str(row.get("agent", "")).partition(":")
        if agent_id.isdigit():
            out[(agent_type, int(agent_id))] = row
    return out


def failure_of(ref: AgentRef, run: ScriptTickRun, rejection: dict | None) -> Failure | None:
    """Why the call on `ref` failed (the sandbox's verdict first, then the engine's rejection of
    its decision); None when it succeeded."""
    result = run.results[ref]
    if not result.ok:
        return Failure(result.failure_kind or FailureKind.EXCEPTION, result.message,
                       result.traceback, result.decision)
    if rejection is not None:
        field_name = rejection.get("field") or "decision"
        message = f"{field_name}: {rejection.get('rule', '')} (sent {rejection.get('value')!r})"
        return Failure(FailureKind.REJECTED_DECISION, message[:4000], "", run.decisions.get(ref))
    return None


def failure_row(failure: Failure, *, call: MountCall, simulation_id: int,
                tick: int) -> ScriptFailure:
    return ScriptFailure(
        simulation_id=simulation_id, tick=tick, agent_id=call.agent_id,
        mount_id=call.mount_id, version_id=call.version_id, owner_id=call.owner_id,
        kind=failure.kind, message=failure.message, traceback=failure.traceback,
        decision=failure.decision, observation_excerpt=_excerpt(call.observation))


def _excerpt(value: object) -> object:
    """The observation as the failure record keeps it: long lists cut short."""
    if isinstance(value, dict):
        return {k: _excerpt(v) for k, v in value.items()}
    if isinstance(value, list):
        kept = [_excerpt(v) for v in value[:EXCERPT_LIST_ITEMS]]
        return kept + ([f"... {len(value) - EXCERPT_LIST_ITEMS} more"]
                       if len(value) > EXCERPT_LIST_ITEMS else [])
    return value
