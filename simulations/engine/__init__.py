"""The EconSim economy: a pure-Python, stock-flow-consistent agent-based world (no Django).

Public API for the orchestrator (everything else is internal):

    World.create(scenario: str = "baseline", config_overrides: dict | None = None,
                 seed: int = 0) -> World
    World.from_bytes(data: bytes) -> World
    world.tick -> int                                   last completed tick
    world.step(decisions: dict[tuple[str, int], object] | None = None) -> TickResult
    world.run(ticks: int) -> list[TickResult]
    world.to_bytes() -> bytes
    world.state_hash() -> str
    world.aggregates() -> dict
    world.agent_refs(agent_type: str) -> list[tuple[str, int]]
    world.observations(agent_refs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], dict]
    world.balance_sheet(agent_ref: tuple[str, int]) -> dict[str, int]
    world.add_shock(spec: dict) -> dict

Errors: EngineError, ConfigError(field, rule), DecisionError(field, rule, value),
InvariantViolation(invariant, detail, agents, amounts).
"""

from .errors import ConfigError, DecisionError, EngineError, InvariantViolation
from .world import TickResult, World

__all__ = ["ConfigError", "DecisionError", "EngineError", "InvariantViolation", "TickResult",
           "World"]
