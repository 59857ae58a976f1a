"""The beat scheduler: the database scheduler with firings' due times (orchestration.beat)
that also touches a file on every tick (at least every 5 s), so that a healthcheck can tell a
beat that ticks from one that hangs or has lost its database (ops/healthcheck.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from orchestration.beat import FiringScheduler


class TickingDatabaseScheduler(FiringScheduler):
    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        alive = settings.BEAT_ALIVE_FILE
        alive.parent.mkdir(parents=True, exist_ok=True)
        alive.touch()
        return interval
