from __future__ import annotations

import pytest

from accounts.models import Profile

pytestmark = pytest.mark.django_db


def test_profile_page_needs_a_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_page_saves_nickname_and_shows_it_in_the_top_bar(client, owner):
    client.force_login(owner)
    response = client.post(
        "/accounts/profile/", {"nickname": "Kalecki", "email": owner.email}, follow=True
    )
    assert response.status_code == 200
    assert Profile.objects.get(user=owner).nickname == "Kalecki"
    html = response.content.decode()
    assert 'data-testid="user-chip"' in html
    assert "Kalecki" in html
    assert "Profile saved." in html


def test_profile_page_shows_field_errors_and_changes_nothing(client, owner, other_user):
    client.force_login(owner)
    response = client.post("/accounts/profile/", {"nickname": "Kalecki", "email": other_user.email})
    assert response.status_code == 200
    assert "Another account uses this email." in response.content.decode()
    assert Profile.objects.get(user=owner).nickname == ""


def test_signup_and_login_pages_use_the_product_layout(client, db):
    for url in ("/accounts/signup/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert 'class="auth-card"' in html
        assert "/static/css/app." in html
