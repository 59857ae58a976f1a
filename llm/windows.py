"""The value types of the LLM limits: a user's limits and the windows they are counted in.
Plain data, below both the counters (limits) and the queries (selectors) that use them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LlmLimits:
    requests_per_minute: int
    tokens_per_day: int


@dataclass(frozen=True)
class Windows:
    """The periods that contain `now`: a calendar minute and a UTC day."""

    minute_start: datetime
    day_start: datetime

    @classmethod
    def at(cls, now: datetime) -> Windows:
        return cls(
            minute_start=now.replace(second=0, microsecond=0),
            day_start=now.replace(hour=0, minute=0, second=0, microsecond=0),
        )

    @property
    def minute_resets_at(self) -> datetime:
        return self.minute_start + timedelta(minutes=1)

    @property
    def day_resets_at(self) -> datetime:
        return self.day_start + timedelta(days=1)

    def keys(self, user_id: int) -> tuple[str, str]:
        return (
            f"llm:rpm:{user_id}:{self.minute_start:%Y%m%d%H%M}",
            f"llm:tpd:{user_id}:{self.day_start:%Y%m%d}",
        )
