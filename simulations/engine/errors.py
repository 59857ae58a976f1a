"""The engine's own error hierarchy. Services translate these; nothing here knows Django."""

from __future__ import annotations


class EngineError(Exception):
    """Base class for every error the engine raises on purpose."""


class ConfigError(EngineError):
    """A scenario parameter is unknown or out of range."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


class DecisionError(EngineError):
    """A script decision broke the agent type's decision schema.

    `field` names the offending key ("" for the decision as a whole), `rule` says what was
    required, `value` is what was sent (JSON-friendly, for the failure record).
    """

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"{field or 'decision'}: {rule}")


class InvariantViolation(EngineError):
    """An accounting invariant (I1-I9 of the model) failed: names it, the agents and the amounts."""

    def __init__(self, invariant: str, detail: str, agents: tuple = (),
                 amounts: tuple = ()) -> None:
        self.invariant = invariant
        self.detail = detail
        self.agents = agents
        self.amounts = amounts
        super().__init__(f"{invariant}: {detail} (agents={list(agents)}, amounts={list(amounts)})")
