"""The LLM gateway's entries in the quota ledger (accounts/quotas.py)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from accounts.quotas import QuotaUsage
from llm.limits import limits_usage
from llm.selectors import llm_limits_for_users
from llm.windows import Windows


def llm_quota_source(*, user_ids: list[int], now: datetime) -> dict[int, list[QuotaUsage]]:
    limits = llm_limits_for_users(user_ids=user_ids)
    usage = limits_usage(user_ids=user_ids, now=now)
    windows = Windows.at(now)
    report = {}
    for user_id in user_ids:
        requests, tokens = usage[user_id]
        rpm, tpd = limits[user_id].requests_per_minute, limits[user_id].tokens_per_day
        report[user_id] = [
            QuotaUsage(
                name="llm.requests_per_minute",
                label=_("LLM requests per minute"),
                unit=_("requests"),
                limit=rpm,
                used=requests,
                remaining=max(rpm - requests, 0),
                period="minute",
                resets_at=windows.minute_resets_at,
            ),
            QuotaUsage(
                name="llm.tokens_per_day",
                label=_("LLM tokens per day"),
                unit=_("tokens"),
                limit=tpd,
                used=tokens,
                remaining=max(tpd - tokens, 0),
                period="day",
                resets_at=windows.day_resets_at,
            ),
        ]
    return report
