"""Deterministic token counts: the mock provider's exact count and the gateway's estimate of a
prompt before an upstream answers (about four characters per token, at least one per word)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Chat formats wrap each message in a few framing tokens (role, separators); OpenAI documents
# about 4 per message plus 3 to prime the answer.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3


def text_tokens(text: str) -> int:
    return sum((len(word) + 3) // 4 for word in text.split())


def prompt_tokens(messages: Iterable[Mapping[str, str]]) -> int:
    return TOKENS_PER_REPLY + sum(
        TOKENS_PER_MESSAGE + text_tokens(message["content"]) for message in messages
    )
