"""The per-account limit of `POST /api/auth/token/`: failed password checks per username tried,
in fixed windows, counted in the cache (Redis in production, shared by every web process).

The key is the normalised username the caller typed (stripped, case-folded, hashed), not the
account: a wrong password for an existing account and any password for a name that has none
count the same, so the limit reveals nothing about which accounts exist. Each attempt takes a
slot before the password is checked (an atomic increment: parallel requests cannot overshoot)
and a success gives it back, so only failures add up. Once the window's slots are taken, every
attempt for that name, right password included, is refused until the window ends: the refusal
checks nothing and changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class TokenAttempt:
    key: str
    allowed: bool
    retry_after: int  # seconds to the window's end (the refusal's Retry-After)


def _normalised(username: str) -> str:
    return username.strip().casefold()


def token_attempt_begin(*, username: str, now: float | None = None) -> TokenAttempt:
    """Take a slot for one password check of `username`; `allowed` is False (and nothing is
    taken) once the window's failures reached `AUTH_TOKEN_FAILURES_PER_ACCOUNT`."""
    now = time.time() if now is None else now
    window = settings.AUTH_TOKEN_FAILURE_WINDOW_SECONDS
    index = int(now // window)
    digest = hashlib.sha256(_normalised(username).encode()).hexdigest()[:32]
    key = f"auth:token:failures:{digest}:{index}"
    retry_after = max(1, int((index + 1) * window - now + 0.999))
    cache.add(key, 0, timeout=window + 60)
    taken = cache.incr(key)
    if taken > settings.AUTH_TOKEN_FAILURES_PER_ACCOUNT:
        cache.decr(key)  # a refused attempt takes nothing
        return TokenAttempt(key=key, allowed=False, retry_after=retry_after)
    return TokenAttempt(key=key, allowed=True, retry_after=retry_after)


def token_attempt_succeeded(*, attempt: TokenAttempt) -> None:
    """The password was right: give the slot back (successes are not failures)."""
    with contextlib.suppress(ValueError):  # the window's key expired: nothing to give back
        cache.decr(attempt.key)
