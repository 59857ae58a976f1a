"""A tick's script outcomes as decision-archive rows (history.DecisionRecord)."""

from __future__ import annotations

from history.models import DecisionRecord
from orchestration.scripting import ScriptTickRun, rejections_by_ref

Outcome = DecisionRecord.Outcome


def decision_rows(*, run: ScriptTickRun, rejected: list[dict],
                  memories: dict[tuple[str, int], dict] | None = None) -> list[dict]:
    """One row per script call of the tick. `rejected` is TickResult.rejected; `memories`
    (day ends only) the memory each agent's mount holds after the tick."""
    rejections = rejections_by_ref(rejected)
    rows = []
    for ref, call in run.calls.items():
        result = run.results[ref]
        decision = run.decisions.get(ref)
        rejection = rejections.get(ref)
        field = rule = ""
        if not result.ok:
            outcome, rule, decision = Outcome.FAILED, result.failure_kind or "", result.decision
        elif decision is None:
            outcome = Outcome.EMPTY
        elif rejection is not None:
            outcome, field, rule = Outcome.REJECTED, rejection.get("field"), rejection.get("rule")
        else:
            outcome = Outcome.ACCEPTED
        rows.append({
            "agent_type": ref[0], "agent_id": ref[1], "version_id": call.version_id,
            "mount_id": call.mount_id, "outcome": outcome, "decision": decision,
            "field": field, "rule": rule, "cpu_ms": result.cpu_ms,
            "memory": None if memories is None else memories.get(ref, {})})
    return rows
