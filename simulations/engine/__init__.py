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

TickResult fields: tick, aggregates (dict), postings (list of columnar batches: phase, kind,
src_account, dst_account, src[], dst[], amount[]), trades ({"goods"|"labour"|"credit": {int64
columns buyer_type, buyer, seller_type, seller, quantity, price, value}}, value == quantity *
price; type codes household 0, firm 1, bank 2, central bank 3, government 4; goods: household or
government buys units from a firm at the posted price; labour: the firm buys hours (1 per worker
in the full model) at the wage; credit: the firm buys one loan of the drawn principal from a
bank; every market is present, empty ones as empty arrays), audit ({"invariants": {"I1":
True, ...}, "tfm": {kind: {sector: cents}}, "sector_saving": {sector: cents}}), state_hash
(SHA-256 hex), rejected (list of {tick, agent, field, rule, value}: decisions that fell back to
the baseline), log (list of str), seconds.

Decisions are the raw script outputs; the world validates them with schema.validate_decision.
Observations carry {tick, own, public, rng_seed}; the orchestrator adds the script's `memory`.
If step() raises (an InvariantViolation is a bug, never a user error), the world is
half-advanced: discard it and restore the last checkpoint (World.from_bytes).

Errors: EngineError, ConfigError(field, rule), DecisionError(field, rule, value),
InvariantViolation(invariant, detail, agents, amounts).
"""

from .errors import ConfigError, DecisionError, EngineError, InvariantViolation
from .world import TickResult, World

__all__ = ["ConfigError", "DecisionError", "EngineError", "InvariantViolation", "TickResult",
           "World"]
