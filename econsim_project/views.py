from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import bad_request, page_not_found, permission_denied

from econsim_project.api_errors import (
    api_bad_request,
    api_forbidden,
    api_not_found,
    api_server_error,
    is_api,
)

logger = logging.getLogger(__name__)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links: send them to the static file (a
    temporary redirect, since the hashed name changes with the icon)."""
    return redirect(static("img/favicon.ico"))


# Errors raised outside DRF's views (middleware, Django's request parsing, CSRF) and unhandled
# ones answer in the API's error shape under /api/ and with the site's pages (templates/403.html,
# 404.html, 500.html, in the product layout) elsewhere.


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


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_server_error(request)
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # What the layout reads for a signed-in user (the database) may be what failed: the
        # same page without the request (no user, no context processors) still renders.
        logger.exception("the 500 page failed with the request; rendered without it")
        return HttpResponseServerError(loader.render_to_string("500.html"))
