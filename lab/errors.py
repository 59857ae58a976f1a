"""What a refused backtest answers: a spent quota is 429 with the rule that was hit, as the LLM
gateway answers (a DRF Throttled, rendered in the project's error shape with `retry_after`
where a wait is known)."""

from __future__ import annotations

from rest_framework.exceptions import Throttled


class BacktestLimit(Throttled):
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."

    def __init__(self, *, rule: str, message: str, wait: int | None = None) -> None:
        super().__init__(wait=wait, detail=message, code=rule)
