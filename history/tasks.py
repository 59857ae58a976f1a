from __future__ import annotations

from celery import shared_task
from django.conf import settings

from history.scoring import scores_compute
from history.services import tick_logs_prune


@shared_task(name="history.prune_tick_logs", time_limit=3600, soft_time_limit=3300)
def prune_tick_logs(days: int | None = None) -> int:
    """Beat runs this daily with the operator's HISTORY_RETENTION_DAYS (0: keep everything)."""
    days = settings.HISTORY_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    return tick_logs_prune(older_than_days=days)


@shared_task(name="history.scores_compute", time_limit=3600, soft_time_limit=3300)
def scores_compute_task(simulation_id: int, day: int) -> int:
    """Queued by the tick commit of a day's last tick (on commit): scores that day and any
    earlier day not scored yet. Idempotent (`history.scoring`)."""
    return scores_compute(simulation_id=simulation_id, day=day)
