"""One place where errors become API responses: every user mistake is a 4xx JSON body naming
the field and the rule. Bugs still surface as 500s (they are not the user's mistake)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from simulations.engine.errors import ConfigError, DecisionError


def _translate(exc: Exception) -> Exception:
    """Map domain and Django errors onto DRF's, keeping the field and the rule."""
    if isinstance(exc, ConfigError | DecisionError):
        return exceptions.ValidationError(
            {exc.field or "decision": [exceptions.ErrorDetail(exc.rule, "invalid")]}
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    field: [
                        exceptions.ErrorDetail(e.message % (e.params or {}), e.code or "invalid")
                        for e in errs
                    ]
                    for field, errs in exc.error_dict.items()
                }
            )
        return exceptions.ValidationError(
            {
                "non_field_errors": [
                    exceptions.ErrorDetail(m, exc.code or "invalid") for m in exc.messages
                ]
            }
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _flatten(detail: Any, path: str = "") -> list[dict[str, str]]:
    """[{field, rule, message}] from DRF's nested error detail."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            out += _flatten(value, f"{path}.{key}" if path else str(key))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            out += _flatten(value, f"{path}.{index}" if nested and path else path)
        return out
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": path or "non_field_errors", "rule": str(code), "message": str(detail)}]


def error_body(status: int, code: str, errors: list[dict[str, str]]) -> dict[str, Any]:
    message = "; ".join(
        e["message"]
        if e["field"] in ("detail", "non_field_errors")
        else f"{e['field']}: {e['message']}"
        for e in errors
    )
    return {"status": status, "code": code, "message": message, "errors": errors}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    else:
        field = "body" if isinstance(exc, exceptions.ParseError) else "detail"
        errors = [
            {
                "field": field,
                "rule": exc.get_codes() if isinstance(exc.get_codes(), str) else "invalid",
                "message": str(exc.detail),
            }
        ]
    code = exc.default_code if isinstance(exc, exceptions.APIException) else "error"
    body = error_body(response.status_code, code, errors)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = int(exc.wait + 0.999)
    response.data = body
    return response


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """JSON 404 for unknown /api/ paths (the HTML 404 page serves the rest of the site)."""
    body = error_body(
        404,
        "not_found",
        [{"field": "path", "rule": "not_found", "message": f"No API endpoint at {request.path}."}],
    )
    return JsonResponse(body, status=404)
