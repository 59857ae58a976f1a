"""Stored notifications: the services that write them and the selectors that read them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Notification


def notification_create(*, user_id: int, kind: str, title: str, body: str = "",
                        link: str = "", data: dict | None = None) -> Notification:
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    return Notification.objects.create(user_id=user_id, kind=kind, title=title[:200], body=body,
                                       link=link, data=data or {})


def notifications_create_many(*, rows: Iterable[dict]) -> int:
    """Many notifications in one INSERT (a tick may fail many agents' scripts at once)."""
    objects = [Notification(**{**row, "title": row["title"][:200]}) for row in rows]
    Notification.objects.bulk_create(objects)
    return len(objects)


@transaction.atomic
def notification_mark_read(*, user_id: int, notification_id: int) -> Notification:
    """Raises Notification.DoesNotExist for another user's notification (it is not theirs)."""
    notification = Notification.objects.select_for_update().get(pk=notification_id,
                                                                user_id=user_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now())


def notifications_for_user(*, user_id: int, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user_id=user_id)
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def notifications_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
