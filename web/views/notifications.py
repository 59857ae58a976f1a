from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Notification
from accounts.notifications import (
    notification_mark_read,
    notifications_for_user,
    notifications_mark_all_read,
)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    queryset = notifications_for_user(user_id=request.user.pk, unread_only=unread_only)
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    return render(request, "web/notifications.html",
                  {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = notification_mark_read(user_id=request.user.pk,
                                              notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification of yours.") from None
    if request.htmx:
        return render(request, "web/_notification_read.html", {"n": notification})
    return redirect(notification.link or "notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user_id=request.user.pk)
    return redirect("notifications")
