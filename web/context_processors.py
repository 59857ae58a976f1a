from __future__ import annotations

from django.http import HttpRequest

from accounts.notifications import notifications_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notifications_unread_count(user_id=user.pk)}
