from __future__ import annotations

import pytest

from accounts.models import Notification
from accounts.notifications import notification_create

pytestmark = pytest.mark.django_db


def test_top_bar_shows_the_unread_count(client, owner):
    for i in range(3):
        notification_create(user_id=owner.pk, kind="day_finished", title=f"Day {i} finished")
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert '<span class="bell-count">3</span>' in html


def test_page_lists_mine_only_and_marks_read(client, owner, other_user):
    mine = notification_create(user_id=owner.pk, kind="script_failure", title="Timeout at 12")
    notification_create(user_id=other_user.pk, kind="script_failure", title="Not yours")
    client.force_login(owner)
    html = client.get("/notifications/").content.decode()
    assert "Timeout at 12" in html and "Not yours" not in html
    response = client.post(f"/notifications/{mine.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Mark read" not in response.content.decode()  # the swapped-in row is read
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_cannot_mark_someone_elses(client, owner, other_user):
    theirs = notification_create(user_id=other_user.pk, kind="system", title="x")
    client.force_login(owner)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404


def test_mark_all_read(client, owner):
    for i in range(2):
        notification_create(user_id=owner.pk, kind="system", title=str(i))
    client.force_login(owner)
    client.post("/notifications/read_all/")
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()


def test_notifications_page_needs_login(client):
    assert client.get("/notifications/").status_code == 302
