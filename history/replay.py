"""Reading a tick range back for replay: the decisions the engine accepted, the hashes it
archived and the scripts' memory at a day end. Nothing here runs a script or touches a world."""

from __future__ import annotations

from collections import defaultdict

from history.models import DecisionRecord, TickAudit
from simulations.engine.vocabulary import AGENT_TYPE_CODES, AGENT_TYPES

AgentRef = tuple[str, int]


def accepted_decisions(*, simulation_id: int, first_tick: int, last_tick: int,
                       exclude: AgentRef | None = None) -> dict[int, dict[AgentRef, dict]]:
    """tick -> {agent ref: decision} of every accepted decision in [first_tick, last_tick],
    as the engine received them (`World.step` validates them again). `exclude` leaves one
    agent out (the agent a backtest gives another strategy)."""
    rows = DecisionRecord.objects.filter(
        simulation_id=simulation_id, tick__gte=first_tick, tick__lte=last_tick,
        outcome=DecisionRecord.Outcome.ACCEPTED,
    ).order_by("tick", "agent_type", "agent_id").values_list(
        "tick", "agent_type", "agent_id", "decision")
    out: dict[int, dict[AgentRef, dict]] = defaultdict(dict)
    for tick, type_code, agent_id, decision in rows.iterator(chunk_size=2000):
        ref = (AGENT_TYPES[type_code], agent_id)
        if ref != exclude:
            out[tick][ref] = decision
    return dict(out)


def archived_hashes(*, simulation_id: int, first_tick: int, last_tick: int) -> dict[int, str]:
    """tick -> the state hash the live world had after that tick."""
    return dict(TickAudit.objects.filter(
        simulation_id=simulation_id, tick__gte=first_tick, tick__lte=last_tick,
    ).values_list("tick", "state_hash"))


def day_end_memory(*, simulation_id: int, tick: int, agent: AgentRef) -> dict | None:
    """The memory the agent's mount held after day-end tick `tick`; None when the archive has
    no day-end record of it (not scripted then, or archived before decisions were)."""
    type_code = AGENT_TYPE_CODES[agent[0]]
    return DecisionRecord.objects.filter(
        simulation_id=simulation_id, tick=tick, agent_type=type_code, agent_id=agent[1],
        memory__isnull=False,
    ).values_list("memory", flat=True).first()
