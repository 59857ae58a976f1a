"""The default provider: no network, the same answer for the same request, exact token counts."""

from __future__ import annotations

import hashlib
import json

from llm.providers.base import Completion, Message
from llm.tokens import prompt_tokens, text_tokens

# A small fixed vocabulary so answers read like text; every word counts as one or two tokens.
_WORDS = (
    "supply",
    "demand",
    "price",
    "wage",
    "credit",
    "loan",
    "deposit",
    "bank",
    "firm",
    "household",
    "market",
    "output",
    "inflation",
    "rate",
    "tax",
    "spending",
    "saving",
    "investment",
    "inventory",
    "profit",
)


class MockProvider:
    name = "mock"

    def complete(
        self, *, model: str, messages: list[Message], max_tokens: int, temperature: float
    ) -> Completion:
        """Echoes the last message's first words, then words picked by a hash of the request;
        stops at 24 words or when the next word would exceed max_tokens."""
        last = messages[-1]["content"] if messages else ""
        seed = hashlib.sha256(json.dumps([model, messages], sort_keys=True).encode()).digest()
        candidates = ["Mock", "answer:", *last.split()[:8]]
        candidates += [_WORDS[byte % len(_WORDS)] for byte in seed[: 24 - len(candidates)]]
        words: list[str] = []
        used = 0
        finish = "stop"
        for word in candidates:
            cost = text_tokens(word)
            if used + cost > max_tokens:
                finish = "length"
                break
            words.append(word)
            used += cost
        return Completion(
            text=" ".join(words),
            prompt_tokens=prompt_tokens(messages),
            completion_tokens=used,
            finish_reason=finish,
        )
