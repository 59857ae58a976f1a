"""The one small interface every completion provider implements, and its errors.

Providers know nothing of users, limits or HTTP status codes of our API; the service
(llm/services.py) translates their errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypedDict


class Message(TypedDict):
    role: str  # system, user or assistant
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" or "length"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ProviderError(Exception):
    """The upstream gave no usable answer. `rule` names why, for the API body and the record."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class ProviderTimeout(ProviderError):
    """The upstream did not answer within the time limit."""


class Provider(Protocol):
    name: str

    def complete(
        self, *, model: str, messages: list[Message], max_tokens: int, temperature: float
    ) -> Completion: ...
