"""Reads of LLM limits and usage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from llm.models import LlmLimitOverride, LlmUsage
from llm.windows import LlmLimits, Windows


def llm_limits_for_users(*, user_ids: list[int]) -> dict[int, LlmLimits]:
    """Each user's limits: their override where an operator set one, else the settings."""
    overrides = {row.user_id: row for row in LlmLimitOverride.objects.filter(user_id__in=user_ids)}
    limits = {}
    for user_id in user_ids:
        row = overrides.get(user_id)
        rpm = row.requests_per_minute if row else None
        tpd = row.tokens_per_day if row else None
        limits[user_id] = LlmLimits(
            requests_per_minute=settings.LLM_REQUESTS_PER_MINUTE if rpm is None else rpm,
            tokens_per_day=settings.LLM_TOKENS_PER_DAY if tpd is None else tpd,
        )
    return limits


def llm_window_usage_from_db(
    *, user_ids: list[int], windows: Windows
) -> dict[int, tuple[int, int]]:
    """(admitted requests in the minute, tokens charged in the day) per user, from the records:
    what the counters are seeded with when Redis has no key for a window."""
    rows = (
        LlmUsage.objects.filter(
            user_id__in=user_ids,
            created_at__gte=windows.day_start,
            created_at__lt=windows.day_resets_at,
        )
        .values("user_id")
        .annotate(
            requests=Count(
                "id",
                filter=Q(
                    created_at__gte=windows.minute_start,
                    created_at__lt=windows.minute_resets_at,
                    outcome__in=LlmUsage.ADMITTED,
                ),
            ),
            tokens=Sum("total_tokens"),
        )
    )
    return {row["user_id"]: (row["requests"], row["tokens"] or 0) for row in rows}


def llm_usage_list(*, user_id: int) -> QuerySet[LlmUsage]:
    return LlmUsage.objects.filter(user_id=user_id).order_by("-created_at", "-id")


def llm_usage_daily(*, user_id: int, days: int, today: date) -> list[dict]:
    """Per UTC day and model: requests, outcomes, tokens and mean latency (a GROUP BY over the
    records, indexed by user and time; see docs/architecture.md for why no rollup table)."""
    since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    return list(
        LlmUsage.objects.filter(user_id=user_id, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "model")
        .annotate(
            requests=Count("id"),
            ok=Count("id", filter=Q(outcome=LlmUsage.Outcome.OK)),
            rate_limited=Count("id", filter=Q(outcome=LlmUsage.Outcome.RATE_LIMITED)),
            failed=Count(
                "id",
                filter=Q(outcome__in=[LlmUsage.Outcome.UPSTREAM_ERROR, LlmUsage.Outcome.TIMEOUT]),
            ),
            prompt_tokens=Sum("prompt_tokens"),
            completion_tokens=Sum("completion_tokens"),
            total_tokens=Sum("total_tokens"),
            mean_latency_ms=Avg("latency_ms", filter=Q(outcome=LlmUsage.Outcome.OK)),
        )
        .order_by("-day", "model")
    )
