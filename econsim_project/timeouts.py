"""How long one web request may legitimately take, derived from the settings that bound it.

gunicorn kills a sync worker whose request outlasts its timeout: the client then gets a dropped
connection (a 502 from any proxy in front) instead of the LLM gateway's documented 504. So the
web timeout is derived from the gateway's worst case, and settings.py refuses a smaller one.
"""

from __future__ import annotations

import math

from llm.providers.openai_http import MAX_BACKOFF_SECONDS  # pure: no Django

# Time a request needs besides the LLM call (database, quotas, rendering), with room to spare.
WEB_TIMEOUT_MARGIN_SECONDS = 10


def llm_worst_case_seconds(*, timeout_ms: int, max_retries: int) -> int:
    """The longest an LLM completion can take: every attempt runs to its time limit, and every
    wait between two attempts is the longest the client allows (an upstream's Retry-After is
    honoured up to MAX_BACKOFF_SECONDS, whatever the configured backoff)."""
    attempts = max_retries + 1
    return math.ceil(attempts * timeout_ms / 1000 + max_retries * MAX_BACKOFF_SECONDS)


def web_timeout_default(llm_worst_case: int) -> int:
    return llm_worst_case + WEB_TIMEOUT_MARGIN_SECONDS
