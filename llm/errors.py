"""What the gateway answers when it cannot complete: DRF exceptions, so the project-wide handler
(econsim_project/api_errors.py) renders them as {status, code, message, errors:[{field, rule}]}.
Raised only by llm/services.py, which translates provider errors into these."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException, Throttled


class LlmLimitExceeded(Throttled):
    """429 with Retry-After; the rule is the limit that was hit."""

    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."

    def __init__(self, *, rule: str, limit: int, unit: str, period: str, wait: int) -> None:
        super().__init__(
            wait=wait,
            detail=f"Limit of {limit} {unit} per {period} reached ({rule}).",
            code=rule,
        )


class UpstreamBadGateway(APIException):
    """502: the model provider gave no usable answer."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The model provider gave no usable answer."
    default_code = "bad_gateway"


class UpstreamTimeout(APIException):
    """504: the model provider did not answer in time."""

    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "The model provider did not answer in time."
    default_code = "gateway_timeout"
