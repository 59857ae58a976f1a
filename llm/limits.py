"""Per-user LLM limits: requests per minute and tokens per day, counted atomically.

Counters live in Redis (one key per user and window; a Lua script checks and reserves in one
step, so concurrent requests can never spend past a limit). A request reserves its prompt
estimate plus `max_tokens` before calling the provider; `limits_settle` then charges what was
really used (refunding the rest). Without Redis (the embedded mode, local-memory cache) the
same algorithm runs under a process lock: there is only one process then.

PostgreSQL stays the source of truth: when a window's key is missing (a new window, or Redis
was flushed) it is seeded from the LlmUsage rows of that window before anything is counted.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from llm.selectors import llm_window_usage_from_db
from llm.windows import LlmLimits, Windows

MINUTE_TTL_SECONDS = 120
DAY_TTL_SECONDS = 2 * 86_400
RULE_REQUESTS = "requests_per_minute"
RULE_TOKENS = "tokens_per_day"
_OK, _NEED_SEED = 0, -1
_REFUSED = {1: RULE_REQUESTS, 2: RULE_TOKENS}

# KEYS: minute counter, day counter. ARGV: requests limit, tokens limit, tokens to reserve,
# minute TTL, day TTL, minute seed, day seed (-1: unknown, ask the caller to seed).
_RESERVE_LUA = """
local requests = redis.call('GET', KEYS[1])
local tokens = redis.call('GET', KEYS[2])
if (not requests and tonumber(ARGV[6]) < 0) or (not tokens and tonumber(ARGV[7]) < 0) then
  return {-1, 0, 0}
end
if not requests then
  requests = ARGV[6]
  redis.call('SET', KEYS[1], requests, 'EX', ARGV[4])
end
if not tokens then
  tokens = ARGV[7]
  redis.call('SET', KEYS[2], tokens, 'EX', ARGV[5])
end
requests = tonumber(requests)
tokens = tonumber(tokens)
if requests + 1 > tonumber(ARGV[1]) then return {1, requests, tokens} end
if tokens + tonumber(ARGV[3]) > tonumber(ARGV[2]) then return {2, requests, tokens} end
requests = redis.call('INCR', KEYS[1])
tokens = redis.call('INCRBY', KEYS[2], ARGV[3])
return {0, requests, tokens}
"""
# KEYS: day counter. ARGV: tokens used minus tokens reserved. A key lost meanwhile is left
# alone: it will be seeded from PostgreSQL, which then holds this request's row.
_SETTLE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local tokens = redis.call('INCRBY', KEYS[1], ARGV[1])
if tokens < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') tokens = 0 end
return tokens
"""
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Admission:
    user_id: int
    windows: Windows
    limits: LlmLimits
    reserved_tokens: int
    requests_used: int
    tokens_used: int
    refused_rule: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused_rule is None

    def retry_after(self, now: datetime) -> int:
        resets_at = (
            self.windows.minute_resets_at
            if self.refused_rule == RULE_REQUESTS
            else self.windows.day_resets_at
        )
        return max(1, math.ceil((resets_at - now).total_seconds()))


def _redis():  # -> redis.Redis | None
    if not settings.CACHES["default"]["BACKEND"].startswith("django_redis."):
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _seeds(user_id: int, windows: Windows) -> tuple[int, int]:
    return llm_window_usage_from_db(user_ids=[user_id], windows=windows).get(user_id, (0, 0))


def _local_reserve(keys: tuple[str, str], args: list[int]) -> list[int]:
    """The Lua script's algorithm for the embedded mode, made atomic by a process lock."""
    limit_requests, limit_tokens, reserve, ttl_minute, ttl_day, seed_r, seed_t = args
    with _local_lock:
        requests, tokens = cache.get(keys[0]), cache.get(keys[1])
        if (requests is None and seed_r < 0) or (tokens is None and seed_t < 0):
            return [_NEED_SEED, 0, 0]
        if requests is None:
            requests = seed_r
            cache.set(keys[0], requests, ttl_minute)
        if tokens is None:
            tokens = seed_t
            cache.set(keys[1], tokens, ttl_day)
        if requests + 1 > limit_requests:
            return [1, requests, tokens]
        if tokens + reserve > limit_tokens:
            return [2, requests, tokens]
        cache.set(keys[0], requests + 1, ttl_minute)
        cache.set(keys[1], tokens + reserve, ttl_day)
        return [_OK, requests + 1, tokens + reserve]


def limits_reserve(*, user_id: int, limits: LlmLimits, tokens: int, now: datetime) -> Admission:
    """Take one request slot and `tokens` tokens, or refuse naming the limit; never both."""
    windows = Windows.at(now)
    keys = windows.keys(user_id)
    client = _redis()
    seeds = (-1, -1)
    for _ in range(2):
        args = [
            limits.requests_per_minute,
            limits.tokens_per_day,
            tokens,
            MINUTE_TTL_SECONDS,
            DAY_TTL_SECONDS,
            *seeds,
        ]
        if client is None:
            code, requests, used = _local_reserve(keys, args)
        else:
            code, requests, used = client.eval(
                _RESERVE_LUA, 2, *(cache.make_key(key) for key in keys), *args
            )
        if code != _NEED_SEED:
            break
        seeds = _seeds(user_id, windows)
    if code == _NEED_SEED:  # seeds are never negative, so the second pass always decides
        raise RuntimeError("LLM limit counters could not be seeded")
    return Admission(
        user_id=user_id,
        windows=windows,
        limits=limits,
        reserved_tokens=tokens if code == _OK else 0,
        requests_used=int(requests),
        tokens_used=int(used),
        refused_rule=_REFUSED.get(int(code)),
    )


def limits_settle(*, admission: Admission, used_tokens: int) -> int | None:
    """Charge what the request really used instead of what it reserved. Returns the day's
    tokens used so far, or None when the counter is gone (it will be seeded again)."""
    delta = used_tokens - admission.reserved_tokens
    key = admission.windows.keys(admission.user_id)[1]
    client = _redis()
    if client is not None:
        result = int(client.eval(_SETTLE_LUA, 1, cache.make_key(key), delta))
        return None if result < 0 else result
    with _local_lock:
        tokens = cache.get(key)
        if tokens is None:
            return None
        tokens = max(tokens + delta, 0)
        cache.set(key, tokens, DAY_TTL_SECONDS)
        return tokens


def limits_usage(*, user_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """(requests this minute, tokens today) per user: the counters, else PostgreSQL."""
    windows = Windows.at(now)
    keys = [key for user_id in user_ids for key in windows.keys(user_id)]
    client = _redis()
    if client is not None:
        raw = client.mget([cache.make_key(key) for key in keys]) if keys else []
        values = [None if value is None else int(value) for value in raw]
    else:
        found = cache.get_many(keys)
        values = [found.get(key) for key in keys]
    counters = {
        user_id: (values[2 * index], values[2 * index + 1])
        for index, user_id in enumerate(user_ids)
    }
    missing = [user_id for user_id, pair in counters.items() if None in pair]
    from_db: dict[int, tuple[int, int]] = {}
    if missing:
        from_db = llm_window_usage_from_db(user_ids=missing, windows=windows)
    usage: dict[int, tuple[int, int]] = {}
    for user_id, (requests, tokens) in counters.items():
        db_requests, db_tokens = from_db.get(user_id, (0, 0))
        usage[user_id] = (
            db_requests if requests is None else requests,
            db_tokens if tokens is None else tokens,
        )
    return usage
