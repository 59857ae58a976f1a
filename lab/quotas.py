"""The `backtest_ticks` quota: arm-ticks (arms x ticks) asked for per UTC day, one row per
user and day (`BacktestQuotaDay`), reserved by one conditional UPDATE so that requests racing
each other never pass the limit together."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.quotas import QuotaPeriod, QuotaUsage
from lab.models import BacktestQuotaDay
from scripts_lib.quotas import utc_day

QUOTA_NAME = "lab.backtest_ticks_per_day"


def backtest_ticks_reserve(*, user_id: int, arm_ticks: int, now: datetime | None = None) -> bool:
    """Charge `arm_ticks` to today's count if it stays within the limit; False otherwise (and
    nothing is charged)."""
    start, _end = utc_day(now or timezone.now())
    day = start.date()
    BacktestQuotaDay.objects.get_or_create(user_id=user_id, day=day)
    limit = settings.LAB_BACKTEST_TICKS_PER_DAY
    return BacktestQuotaDay.objects.filter(
        user_id=user_id, day=day, arm_ticks__lte=limit - arm_ticks,
    ).update(arm_ticks=F("arm_ticks") + arm_ticks) == 1


def backtest_ticks_used(*, user_ids: list[int], now: datetime) -> dict[int, int]:
    start, _end = utc_day(now)
    return dict(BacktestQuotaDay.objects.filter(user_id__in=user_ids, day=start.date())
                .values_list("user_id", "arm_ticks"))


def backtest_quota_source(*, user_ids: list[int], now: datetime) -> dict[int, list[QuotaUsage]]:
    _start, day_end = utc_day(now)
    used = backtest_ticks_used(user_ids=user_ids, now=now)
    limit = settings.LAB_BACKTEST_TICKS_PER_DAY
    return {user_id: [QuotaUsage(
        name=QUOTA_NAME, label=_("Backtest ticks per day (arms x ticks)"), unit="ticks",
        limit=limit, used=used.get(user_id, 0), remaining=max(limit - used.get(user_id, 0), 0),
        period=QuotaPeriod.DAY, resets_at=day_end)] for user_id in user_ids}
