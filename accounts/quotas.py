"""The quota ledger: one list of every limit a user is subject to, with its use this period.

Each app registers a source under a key (the LLM gateway in its AppConfig.ready, the script
CPU bucket below). A source answers for many users at once, so the admin's list of everyone's
quotas costs a fixed number of queries, not a few per user:

    source(*, user_ids: list[int], now: datetime) -> dict[int, list[QuotaUsage]]

Scripts, versions, log bytes and claimed agents register here when their apps exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.cpu_bucket import cpu_bucket_states, cpu_limits


@dataclass(frozen=True)
class QuotaUsage:
    name: str  # stable identifier, e.g. "llm.tokens_per_day"
    label: str  # what a person reads
    unit: str  # requests, tokens, ms
    limit: int
    used: int
    remaining: int
    period: str  # minute, day, tick, rolling
    resets_at: datetime | None  # None when the period is not on the clock (ticks)


QuotaSource = Callable[..., dict[int, list[QuotaUsage]]]
_sources: dict[str, QuotaSource] = {}


def quota_source_register(*, key: str, source: QuotaSource) -> None:
    """Add (or replace, so a reloaded app does not list itself twice) a source of quotas."""
    _sources[key] = source


def quota_report_many(
    *, user_ids: list[int], now: datetime | None = None
) -> dict[int, list[QuotaUsage]]:
    now = now or timezone.now()
    report: dict[int, list[QuotaUsage]] = {user_id: [] for user_id in user_ids}
    for source in _sources.values():
        for user_id, quotas in source(user_ids=user_ids, now=now).items():
            report[user_id].extend(quotas)
    return report


def quota_report(*, user: AbstractBaseUser, now: datetime | None = None) -> list[dict]:
    """The user's quotas as plain dicts (the API and the profile page show these)."""
    return [asdict(quota) for quota in quota_report_many(user_ids=[user.pk], now=now)[user.pk]]


def script_cpu_quota_source(*, user_ids: list[int], now: datetime) -> dict[int, list[QuotaUsage]]:
    """CPU per tick (the last settled tick's use against the grant) and the burst bucket
    (`used` is what has been drawn from a full bucket, `remaining` what can still be drawn)."""
    limits = cpu_limits()
    states = cpu_bucket_states(user_ids=user_ids)
    report = {}
    for user_id in user_ids:
        bucket_ms, last_used_ms = states.get(user_id, (0, 0))
        report[user_id] = [
            QuotaUsage(
                name="script_cpu.ms_per_tick",
                label=_("Script CPU per tick"),
                unit="ms",
                limit=limits.ms_per_tick,
                used=last_used_ms,
                remaining=max(limits.ms_per_tick - last_used_ms, 0),
                period="tick",
                resets_at=None,
            ),
            QuotaUsage(
                name="script_cpu.bucket",
                label=_("Script CPU burst bucket"),
                unit="ms",
                limit=limits.bucket_cap_ms,
                used=limits.bucket_cap_ms - bucket_ms,
                remaining=bucket_ms,
                period="rolling",
                resets_at=None,
            ),
        ]
    return report


quota_source_register(key="script_cpu", source=script_cpu_quota_source)
