"""The memory each active mount holds, read inside the tick's transaction after recording."""

from __future__ import annotations

from scripts_lib.models import Mount
from scripts_lib.tick.atomic import require_transaction
from scripts_lib.tick.run import AgentRef


def mount_memories(*, simulation_id: int) -> dict[AgentRef, dict]:
    """Memory of every active mount of the simulation, keyed by its agent's reference: what a
    script starting from this tick's checkpoint would be handed."""
    require_transaction()
    rows = Mount.objects.filter(simulation_id=simulation_id, active=True).values_list(
        "agent__agent_type", "agent__engine_id", "memory")
    return {(agent_type, engine_id): memory or {} for agent_type, engine_id, memory in rows}
