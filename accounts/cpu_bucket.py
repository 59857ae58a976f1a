"""The script CPU burst bucket (Screeps-style), kept in PostgreSQL.

Every tick a user is granted `ms_per_tick`. The sandbox may give their scripts up to
`cpu_bucket_budget` (the grant plus the bucket, at most `max_ms_per_tick`); after the tick
`cpu_bucket_settle` adds the grant minus what was used to the bucket, clamped to [0, cap]. A
settle is one conditional UPDATE, so concurrent settles never lose each other's change. Call it
inside the tick's transaction: a tick that rolls back then takes its settle with it, and a
re-run tick is not granted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least, Now

from accounts.models import CpuBucket

MAX_USED_MS = 2_147_483_647  # the column's range; a tick is far shorter


@dataclass(frozen=True)
class CpuLimits:
    ms_per_tick: int
    bucket_cap_ms: int
    max_ms_per_tick: int


def cpu_limits() -> CpuLimits:
    return CpuLimits(
        ms_per_tick=settings.SCRIPT_CPU_MS_PER_TICK,
        bucket_cap_ms=settings.SCRIPT_CPU_BUCKET_CAP_MS,
        max_ms_per_tick=settings.SCRIPT_CPU_MAX_MS_PER_TICK,
    )


def cpu_bucket_states(*, user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(bucket ms, last tick's ms) per user that has a bucket; a lowered cap applies at once."""
    cap = cpu_limits().bucket_cap_ms
    rows = CpuBucket.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "bucket_ms", "last_used_ms"
    )
    return {user_id: (min(bucket, cap), last) for user_id, bucket, last in rows}


def cpu_bucket_budget(*, user_id: int) -> int:
    """Milliseconds of CPU the user's scripts may use in the next tick."""
    limits = cpu_limits()
    bucket, _ = cpu_bucket_states(user_ids=[user_id]).get(user_id, (0, 0))
    return min(limits.ms_per_tick + bucket, limits.max_ms_per_tick)


def _check_used(used_ms: object) -> None:
    if type(used_ms) is not int or not 0 <= used_ms <= MAX_USED_MS:
        raise ValidationError(
            {
                "used_ms": ValidationError(
                    f"A whole number of ms from 0 to {MAX_USED_MS}.", code="range"
                )
            }
        )


@transaction.atomic
def cpu_bucket_settle(*, user_id: int, used_ms: int) -> CpuBucket:
    """Grant the tick's CPU, charge what the user's scripts used, keep the rest (up to the cap).
    Using more than the budget (timer slack) empties the bucket; it never goes negative."""
    cpu_buckets_settle(used_ms_by_user={user_id: used_ms})
    return CpuBucket.objects.get(user_id=user_id)


@transaction.atomic
def cpu_buckets_settle(*, used_ms_by_user: dict[int, int]) -> int:
    """`cpu_bucket_settle` for every user of a tick at once: one INSERT for missing buckets and,
    on PostgreSQL, one UPDATE ... FROM (VALUES ...) per thousand users (a tick with a thousand
    single-agent owners would otherwise spend seconds in per-user queries)."""
    for used_ms in used_ms_by_user.values():
        _check_used(used_ms)
    if not used_ms_by_user:
        return 0
    limits = cpu_limits()
    CpuBucket.objects.bulk_create([CpuBucket(user_id=u) for u in used_ms_by_user],
                                  ignore_conflicts=True)
    items = sorted(used_ms_by_user.items())  # a fixed order: concurrent settles cannot deadlock
    if connection.vendor != "postgresql":
        for user_id, used_ms in items:
            CpuBucket.objects.filter(user_id=user_id).update(
                bucket_ms=Greatest(Value(0), Least(Value(limits.bucket_cap_ms),
                                                   F("bucket_ms") + limits.ms_per_tick - used_ms)),
                last_used_ms=used_ms, ticks=F("ticks") + 1, updated_at=Now())
        return len(items)
    table = CpuBucket._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(items), 1000):
            chunk = items[start:start + 1000]
            rows = ", ".join(["(%s::bigint, %s::bigint)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS b SET "
                "bucket_ms = GREATEST(0, LEAST(%s, b.bucket_ms + %s - v.used)), "
                "last_used_ms = v.used, ticks = b.ticks + 1, updated_at = now() "
                f"FROM (VALUES {rows}) AS v(user_id, used) WHERE b.user_id = v.user_id",
                [limits.bucket_cap_ms, limits.ms_per_tick, *(x for pair in chunk for x in pair)],
            )
    return len(items)


def cpu_bucket_charge(*, user_id: int, used_ms: int) -> int:
    """Take `used_ms` out of the user's bucket for work outside a tick (a dry run): no grant,
    not counted as a tick, never below 0. The same taking as a backtest's reservation; returns
    what was taken (0 for a user with no bucket yet, whose bucket is empty anyway)."""
    _check_used(used_ms)
    return cpu_bucket_draw(user_id=user_id, want_ms=used_ms)


@transaction.atomic
def cpu_bucket_draw(*, user_id: int, want_ms: int) -> int:
    """Take up to `want_ms` out of the user's bucket now (a backtest's reservation); returns
    what was taken (0 with an empty or missing bucket). The row is locked for the read and the
    write, so two draws never take the same milliseconds."""
    if type(want_ms) is not int or want_ms < 0:
        raise ValueError("want_ms must be an int >= 0")
    row = CpuBucket.objects.select_for_update().filter(user_id=user_id).first()
    if row is None or want_ms == 0:
        return 0
    have = min(row.bucket_ms, cpu_limits().bucket_cap_ms)
    take = min(have, want_ms)
    if take:
        CpuBucket.objects.filter(pk=row.pk).update(bucket_ms=have - take, updated_at=Now())
    return take


def cpu_bucket_refund(*, user_id: int, ms: int) -> None:
    """Give back what a reservation did not use (never past the cap)."""
    if type(ms) is not int or ms < 0:
        raise ValueError("ms must be an int >= 0")
    if ms:
        CpuBucket.objects.filter(user_id=user_id).update(
            bucket_ms=Least(Value(cpu_limits().bucket_cap_ms), F("bucket_ms") + ms),
            updated_at=Now())
