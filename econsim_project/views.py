from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import bad_request, page_not_found, permission_denied

from econsim_project.api_errors import api_bad_request, api_forbidden, api_not_found, is_api

# Errors raised outside DRF's views (middleware, Django's request parsing, CSRF) answer in the
# API's error shape under /api/ and with the site's pages elsewhere.


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_not_found(request, exception)
    return page_not_found(request, exception)


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_bad_request(request, exception)
    return bad_request(request, exception)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_forbidden(request)
    return permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return api_forbidden(request, reason or "no reason given")
    return django_csrf_failure(request, reason)
