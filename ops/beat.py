"""The beat scheduler: django-celery-beat's database scheduler that also touches a file on every
tick (at least every 5 s), so that a healthcheck can tell a beat that ticks from one that hangs
or has lost its database (ops/healthcheck.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler


class TickingDatabaseScheduler(DatabaseScheduler):
    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        alive = settings.BEAT_ALIVE_FILE
        alive.parent.mkdir(parents=True, exist_ok=True)
        alive.touch()
        return interval
