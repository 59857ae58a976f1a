"""Script quotas: the settings' defaults, each user's overrides (ScriptQuota), the CPU budget of
a tick, and the entries of the accounts quota ledger (registered in ScriptsLibConfig.ready)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Aggregate,
    Count,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.cpu_bucket import cpu_bucket_states, cpu_limits
from accounts.quotas import QuotaUsage
from scripts_lib.models import Script, ScriptQuota, ScriptTickLog, ScriptVersion
from scripts_lib.sandbox.jobs import MAX_CPU_MS


@dataclass(frozen=True)
class ScriptLimits:
    max_scripts: int
    versions_per_day: int
    max_source_bytes: int
    log_bytes_per_day: int
    cpu_ms_per_tick: int | None  # a fixed budget set by an operator; None: the burst bucket


def script_limits_many(*, user_ids: list[int]) -> dict[int, ScriptLimits]:
    overrides = {q.user_id: q for q in ScriptQuota.objects.filter(user_id__in=user_ids)}

    def pick(override: int | None, default: int) -> int:
        return default if override is None else override

    limits = {}
    for user_id in user_ids:
        q = overrides.get(user_id)
        limits[user_id] = ScriptLimits(
            max_scripts=pick(q and q.max_scripts, settings.SCRIPTS_MAX_PER_USER),
            versions_per_day=pick(q and q.versions_per_day, settings.SCRIPT_VERSIONS_PER_DAY),
            max_source_bytes=pick(q and q.max_source_bytes, settings.SCRIPT_SOURCE_MAX_BYTES),
            log_bytes_per_day=pick(q and q.log_bytes_per_day, settings.SCRIPT_LOG_BYTES_PER_DAY),
            cpu_ms_per_tick=q.cpu_ms_per_tick if q else None,
        )
    return limits


def script_limits(*, user_id: int) -> ScriptLimits:
    return script_limits_many(user_ids=[user_id])[user_id]


def cpu_budgets(*, user_ids: list[int]) -> dict[int, int]:
    """CPU ms each user's scripts may use in the next tick: the operator's fixed budget, else
    the burst bucket's (accounts.cpu_bucket.cpu_bucket_budget, for many users in one query)."""
    cpu = cpu_limits()
    states = cpu_bucket_states(user_ids=user_ids)
    limits = script_limits_many(user_ids=user_ids)
    budgets = {}
    for user_id in user_ids:
        fixed = limits[user_id].cpu_ms_per_tick
        if fixed is not None:
            budgets[user_id] = min(fixed, MAX_CPU_MS)
        else:
            bucket = states.get(user_id, (0, 0))[0]
            budgets[user_id] = min(cpu.ms_per_tick + bucket, cpu.max_ms_per_tick)
    return budgets


def utc_day(now: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar day holding `now`: the window of the per-day quotas."""
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def versions_created_today(*, user_ids: list[int], now: datetime) -> dict[int, int]:
    start, _ = utc_day(now)
    rows = (ScriptVersion.objects.filter(created_by_id__in=user_ids, created_at__gte=start)
            .values_list("created_by_id").annotate(n=Count("id")))
    return dict(rows)


def log_bytes_today(*, user_ids: list[int], now: datetime) -> dict[int, int]:
    start, _ = utc_day(now)
    rows = (ScriptTickLog.objects.filter(owner_id__in=user_ids, created_at__gte=start)
            .values_list("owner_id").annotate(n=Sum("size_bytes")))
    return {user_id: n or 0 for user_id, n in rows}


def _subquery_total(queryset: QuerySet, aggregate: Aggregate) -> Subquery:
    """A per-user aggregate as a correlated subquery (0 when there are no rows)."""
    return Coalesce(Subquery(queryset.order_by().values("_user").annotate(total=aggregate)
                             .values("total")[:1]), 0)


def script_quota_source(*, user_ids: list[int], now: datetime) -> dict[int, list[QuotaUsage]]:
    """One query for any number of users (the admin's quota ledger lists a page of them)."""
    start, day_end = utc_day(now)
    user = OuterRef("pk")
    overrides = [f"script_quota__{name}" for name in
                 ("max_scripts", "versions_per_day", "max_source_bytes", "log_bytes_per_day")]
    rows = get_user_model().objects.filter(pk__in=user_ids).values("pk", *overrides).annotate(
        scripts=_subquery_total(Script.objects.filter(owner=user, archived_at__isnull=True)
                                .annotate(_user=F("owner_id")), Count("id")),
        largest=_subquery_total(ScriptVersion.objects.filter(script__owner=user)
                                .annotate(_user=F("script__owner_id")), Max("size_bytes")),
        versions=_subquery_total(ScriptVersion.objects.filter(created_by=user,
                                                              created_at__gte=start)
                                 .annotate(_user=F("created_by_id")), Count("id")),
        logs=_subquery_total(ScriptTickLog.objects.filter(owner=user, created_at__gte=start)
                             .annotate(_user=F("owner_id")), Sum("size_bytes")),
    )
    defaults = (settings.SCRIPTS_MAX_PER_USER, settings.SCRIPT_VERSIONS_PER_DAY,
                settings.SCRIPT_SOURCE_MAX_BYTES, settings.SCRIPT_LOG_BYTES_PER_DAY)
    report = {}
    for row in rows:
        limit = [default if row[key] is None else row[key]
                 for key, default in zip(overrides, defaults, strict=True)]
        entries = [
            ("scripts.count", _("Strategy scripts"), _("scripts"), limit[0], row["scripts"],
             "rolling", None),
            ("scripts.versions_per_day", _("Script versions per day"), _("versions"), limit[1],
             row["versions"], "day", day_end),
            ("scripts.source_bytes", _("Script source size (largest version)"), _("bytes"),
             limit[2], row["largest"], "version", None),
            ("scripts.log_bytes_per_day", _("Script output stored per day"), _("bytes"), limit[3],
             row["logs"], "day", day_end),
        ]
        report[row["pk"]] = [
            QuotaUsage(name=name, label=label, unit=unit, limit=lim, used=used,
                       remaining=max(lim - used, 0), period=period, resets_at=resets)
            for name, label, unit, lim, used, period, resets in entries
        ]
    return report
