"""The home page and where a signed-in user belongs: the "Get started" page until they have a
script mounted, their dashboard from then on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from web.get_started import has_mounted_script


def home(request: HttpRequest) -> HttpResponse:
    scripted = request.user.is_authenticated and has_mounted_script(user=request.user)
    return render(request, "home.html", {"scripted": scripted})


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where log-in lands (LOGIN_REDIRECT_URL)."""
    return redirect("dashboard" if has_mounted_script(user=request.user) else "get-started")
