"""Celery tasks of the strategy lab: ids in, one service call. One task per arm (a group), so
a prefork worker runs the arms of a backtest in parallel on its processes; the last arm to end
finishes the backtest under its row lock."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from lab.services import ARM_TASK, backtest_arm_run, backtests_fail_stale


@shared_task(name=ARM_TASK, acks_late=True, time_limit=settings.CELERY_TASK_TIME_LIMIT,
             soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT)
def run_arm(arm_id: int) -> str | None:
    """One arm of a backtest. A redelivery of an arm that is no longer queued does nothing."""
    return backtest_arm_run(arm_id=arm_id)


@shared_task(name="lab.fail_stale_backtests", time_limit=60, soft_time_limit=50)
def fail_stale_backtests() -> list[int]:
    """Beat's sweep (every LAB_BACKTEST_REAP_SECONDS): arms whose worker died fail, keeping
    their rows, and their backtests finish."""
    return backtests_fail_stale()
