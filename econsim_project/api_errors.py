"""One place where errors become API responses: every user mistake is a 4xx JSON body naming
the field and the rule. Bugs still surface as 500s (they are not the user's mistake)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    DisallowedHost,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from econsim_project.field_errors import field_errors
from simulations.engine.errors import ConfigError, DecisionError


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


def _suspicious(exc: SuspiciousOperation) -> exceptions.APIException:
    """Django's own refusals while reading a request (sizes, counts, malformed multipart)."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(str(exc))
    rule = "too_many_fields" if isinstance(exc, TooManyFieldsSent | TooManyFilesSent) \
        else "invalid"
    return exceptions.ValidationError({"body": [exceptions.ErrorDetail(str(exc), rule)]})


def _translate(exc: Exception) -> Exception:
    """Map domain and Django errors onto DRF's, keeping the field and the rule."""
    if isinstance(exc, SuspiciousOperation):
        return _suspicious(exc)
    if isinstance(exc, ConfigError | DecisionError | DjangoValidationError):
        detail: dict[str, list[exceptions.ErrorDetail]] = {}
        for error in field_errors(exc):  # the shared (field, rule, params) reading
            detail.setdefault(error.field or "non_field_errors", []).append(
                exceptions.ErrorDetail(error.message, error.rule))
        return exceptions.ValidationError(detail)
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
        field = "body" if isinstance(exc, exceptions.ParseError | PayloadTooLarge) else "detail"
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
    request = context.get("request")
    if getattr(getattr(request, "accepted_renderer", None), "format", "json") not in ("json",
                                                                                      "api"):
        # An error is JSON in this shape even where the client asked for CSV.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def error_response(status: int, code: str, field: str, rule: str, message: str) -> JsonResponse:
    """A response in the API's error shape, for answers made outside DRF's views."""
    body = error_body(status, code, [{"field": field, "rule": rule, "message": message}])
    return JsonResponse(body, status=status)


def is_api(request: HttpRequest) -> bool:
    return is_api_path(request.path)


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """JSON 404 for unknown /api/ paths (the HTML 404 page serves the rest of the site)."""
    return error_response(404, "not_found", "path", "not_found",
                          f"No API endpoint at {request.path}.")


def api_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """JSON 400 for what Django refuses before or outside a view (a host name not served,
    a body Django cannot read)."""
    if isinstance(exception, DisallowedHost):
        return error_response(400, "invalid", "host", "disallowed_host",
                              "This host name is not served here.")
    if isinstance(exception, SuspiciousOperation):
        error = _suspicious(exception)
        status = error.status_code
        code = error.default_code
        detail = _flatten(error.detail)[0] if isinstance(error, exceptions.ValidationError) \
            else {"field": "body", "rule": "too_large", "message": str(error.detail)}
        return error_response(status, code, detail["field"], detail["rule"], detail["message"])
    return error_response(400, "invalid", "detail", "bad_request", "Bad request.")


def api_forbidden(request: HttpRequest, reason: str = "") -> JsonResponse:
    """JSON 403 for refusals made outside DRF's views (CSRF, PermissionDenied)."""
    message = f"CSRF check failed: {reason}" if reason else \
        "You do not have permission to perform this action."
    return error_response(403, "permission_denied", "detail",
                          "csrf_failed" if reason else "permission_denied", message)


def api_server_error(request: HttpRequest) -> JsonResponse:
    """JSON 500 for an unhandled error under /api/ (a bug: its details stay in the log)."""
    return error_response(500, "server_error", "detail", "server_error",
                          "A server error occurred. It has been logged.")


def refuse(path: str, status: int, code: str, field: str, rule: str,
           message: str) -> HttpResponse:
    """An error answered before any view: the API's JSON under /api/, plain text elsewhere."""
    if not is_api_path(path):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return error_response(status, code, field, rule, message)


def body_too_large(path: str, cap: int, size: int | None) -> HttpResponse:
    told = f"{size} bytes" if size is not None else f"over {cap} bytes"
    return refuse(path, 413, "too_large", "body", "too_large",
                  f"The request body is {told}; at most {cap} allowed.")
