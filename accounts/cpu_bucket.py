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
from django.db import transaction
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


@transaction.atomic
def cpu_bucket_settle(*, user_id: int, used_ms: int) -> CpuBucket:
    """Grant the tick's CPU, charge what the user's scripts used, keep the rest (up to the cap).
    Using more than the budget (timer slack) empties the bucket; it never goes negative."""
    if type(used_ms) is not int or not 0 <= used_ms <= MAX_USED_MS:
        raise ValidationError(
            {
                "used_ms": ValidationError(
                    f"A whole number of ms from 0 to {MAX_USED_MS}.", code="range"
                )
            }
        )
    limits = cpu_limits()
    CpuBucket.objects.get_or_create(user_id=user_id)
    CpuBucket.objects.filter(user_id=user_id).update(
        bucket_ms=Greatest(
            Value(0),
            Least(Value(limits.bucket_cap_ms), F("bucket_ms") + limits.ms_per_tick - used_ms),
        ),
        last_used_ms=used_ms,
        ticks=F("ticks") + 1,
        updated_at=Now(),
    )
    return CpuBucket.objects.get(user_id=user_id)
