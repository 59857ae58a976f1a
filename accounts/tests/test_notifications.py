from __future__ import annotations

import pytest

from accounts.models import Notification
from accounts.notifications import notification_create, notifications_create_many

pytestmark = pytest.mark.django_db


def _notify(user, n: int = 1, kind: str = "script_failure") -> list[Notification]:
    return [notification_create(user_id=user.pk, kind=kind, title=f"Event {i}")
            for i in range(n)]


def test_list_is_newest_first_with_unread_count(owner_client, owner, other_user):
    _notify(owner, 3)
    _notify(other_user, 2)
    body = owner_client.get("/api/me/notifications/").json()
    assert body["count"] == 3
    assert body["unread_count"] == 3
    assert [n["title"] for n in body["results"]] == ["Event 2", "Event 1", "Event 0"]
    assert body["results"][0]["read"] is False


def test_list_is_paginated(owner_client, owner):
    notifications_create_many(rows=[{"user_id": owner.pk, "kind": "day_finished",
                                     "title": f"Day {i}"} for i in range(25)])
    first = owner_client.get("/api/me/notifications/?page_size=10").json()
    assert first["count"] == 25 and len(first["results"]) == 10 and first["next"]
    last = owner_client.get("/api/me/notifications/?page_size=10&page=3").json()
    assert len(last["results"]) == 5 and last["next"] is None


def test_mark_one_read_then_filter_unread(owner_client, owner):
    first, second = _notify(owner, 2)
    response = owner_client.post(f"/api/me/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    unread = owner_client.get("/api/me/notifications/?unread=true").json()
    assert [n["id"] for n in unread["results"]] == [second.pk]
    assert unread["unread_count"] == 1


def test_another_users_notification_cannot_be_marked(owner_client, other_user):
    (theirs,) = _notify(other_user)
    response = owner_client.post(f"/api/me/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_mine(owner_client, owner, other_user):
    _notify(owner, 4)
    _notify(other_user, 1)
    assert owner_client.post("/api/me/notifications/read_all/").json() == {"marked": 4}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_bad_unread_filter_names_the_field(owner_client):
    response = owner_client.get("/api/me/notifications/?unread=maybe")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "unread"


def test_anonymous_gets_401(api_client, db):
    assert api_client.get("/api/me/notifications/").status_code == 401


def test_unknown_kind_is_a_programming_error(owner):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notification_create(user_id=owner.pk, kind="gossip", title="x")


@pytest.mark.django_db(transaction=True)
def test_old_failure_notices_are_relinked_to_the_failures_tab(owner):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("accounts", "0003_notification")]
    after = [("accounts", "0004_failure_links_to_the_page")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("accounts", "Notification")
    old.objects.create(user_id=owner.pk, kind="script_unmounted", title="t",
                       link="/api/me/failures/?simulation=4")
    old.objects.create(user_id=owner.pk, kind="system", title="t", link="/docs/")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    assert sorted(Notification.objects.values_list("link", flat=True)) == [
        "/dashboard/?tab=failures", "/docs/"]
