from __future__ import annotations

from celery import shared_task
from django.conf import settings

from scripts_lib.services import script_tick_logs_prune


@shared_task(name="scripts_lib.prune_tick_logs", time_limit=3600, soft_time_limit=3300)
def prune_tick_logs(days: int | None = None) -> int:
    """Beat runs this daily with SCRIPT_LOG_RETENTION_DAYS (0: keep every script's output)."""
    days = settings.SCRIPT_LOG_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    return script_tick_logs_prune(older_than_days=days)
