"""Writes of the LLM gateway: complete a request within the caller's limits, record it.

`llm_complete` is deliberately not one transaction: it must not hold a database transaction
open while the provider thinks. Its writes are the Redis counters (atomic on their own) and
one LlmUsage row (its own transaction), whatever the outcome."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.quotas import QuotaUsage
from llm.errors import LlmLimitExceeded, UpstreamBadGateway, UpstreamTimeout
from llm.limits import RULE_REQUESTS, limits_reserve, limits_settle
from llm.models import LlmUsage
from llm.providers import provider_from_settings
from llm.providers.base import Completion, Message, Provider, ProviderError, ProviderTimeout
from llm.quota_sources import llm_quota_source
from llm.selectors import llm_limits_for_users
from llm.tokens import prompt_tokens

logger = logging.getLogger(__name__)

DEFAULT_TEMPERATURE = 1.0


@dataclass(frozen=True)
class CompletionResult:
    usage: LlmUsage
    text: str
    finish_reason: str
    quotas: list[QuotaUsage]


@transaction.atomic
def llm_usage_create(
    *,
    user_id: int,
    created_at: datetime,
    provider: str,
    model: str,
    outcome: str,
    completion: Completion | None = None,
    latency_ms: int = 0,
    detail: str = "",
) -> LlmUsage:
    return LlmUsage.objects.create(
        user_id=user_id,
        created_at=created_at,
        provider=provider,
        model=model[:100],
        prompt_tokens=completion.prompt_tokens if completion else 0,
        completion_tokens=completion.completion_tokens if completion else 0,
        total_tokens=completion.total_tokens if completion else 0,
        latency_ms=latency_ms,
        outcome=outcome,
        detail=detail[:200],
    )


def llm_complete(
    *,
    user_id: int,
    messages: list[Message],
    model: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    now: datetime | None = None,
    provider: Provider | None = None,
) -> CompletionResult:
    """Reserve the request's worst case (prompt estimate + max_tokens) against the caller's
    limits, call the provider, then charge what it really used. Upstream failures charge no
    tokens (the provider reported none) but keep the request's slot of the minute."""
    now = now or timezone.now()
    provider = provider or provider_from_settings()
    model = model or settings.LLM_DEFAULT_MODEL
    max_tokens = max_tokens or settings.LLM_DEFAULT_MAX_TOKENS
    temperature = DEFAULT_TEMPERATURE if temperature is None else temperature
    record = {"user_id": user_id, "created_at": now, "provider": provider.name, "model": model}

    limits = llm_limits_for_users(user_ids=[user_id])[user_id]
    admission = limits_reserve(
        user_id=user_id, limits=limits, tokens=prompt_tokens(messages) + max_tokens, now=now
    )
    if not admission.ok:
        llm_usage_create(
            **record, outcome=LlmUsage.Outcome.RATE_LIMITED, detail=admission.refused_rule
        )
        by_requests = admission.refused_rule == RULE_REQUESTS
        raise LlmLimitExceeded(
            rule=admission.refused_rule,
            limit=limits.requests_per_minute if by_requests else limits.tokens_per_day,
            unit="requests" if by_requests else "tokens",
            period="minute" if by_requests else "day",
            wait=admission.retry_after(now),
        )

    started = time.monotonic()
    completion: Completion | None = None
    try:
        completion = provider.complete(
            model=model, messages=messages, max_tokens=max_tokens, temperature=temperature
        )
    except ProviderError as error:
        latency_ms = round((time.monotonic() - started) * 1000)
        timed_out = isinstance(error, ProviderTimeout)
        logger.warning("LLM %s for user %s: %s", provider.name, user_id, error.rule)
        llm_usage_create(
            **record,
            outcome=LlmUsage.Outcome.TIMEOUT if timed_out else LlmUsage.Outcome.UPSTREAM_ERROR,
            latency_ms=latency_ms,
            detail=error.rule,
        )
        raise (UpstreamTimeout if timed_out else UpstreamBadGateway)(
            detail=error.message, code=error.rule
        ) from None
    finally:
        # Whatever happened (even a bug below the provider), give back the unused reservation.
        limits_settle(admission=admission, used_tokens=completion.total_tokens if completion else 0)
    usage = llm_usage_create(
        **record,
        outcome=LlmUsage.Outcome.OK,
        completion=completion,
        latency_ms=round((time.monotonic() - started) * 1000),
    )
    quotas = llm_quota_source(user_ids=[user_id], now=now)[user_id]
    return CompletionResult(
        usage=usage, text=completion.text, finish_reason=completion.finish_reason, quotas=quotas
    )


def llm_invalid_request_record(*, user_id: int, model: str, rule: str) -> LlmUsage:
    """Keep a refused (malformed) request in the user's usage history; it costs no quota."""
    return llm_usage_create(
        user_id=user_id,
        created_at=timezone.now(),
        provider=settings.LLM_PROVIDER,
        model=model,
        outcome=LlmUsage.Outcome.INVALID,
        detail=rule,
    )
