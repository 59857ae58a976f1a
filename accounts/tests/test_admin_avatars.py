"""The operator's admin never makes a browser fetch an address a user chose."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile

from accounts.models import Profile

pytestmark = pytest.mark.django_db

HOSTILE = "http://169.254.169.254/latest/meta-data/?x=<b>"


def _img_sources(html: str) -> list[str]:
    return re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", html)


def test_an_avatar_url_is_shown_to_operators_as_text_never_as_an_image(client, operator, owner):
    Profile.objects.filter(user=owner).update(avatar_url=HOSTILE)
    client.force_login(operator)
    pages = [client.get("/admin/accounts/profile/"),
             client.get(f"/admin/accounts/profile/{owner.profile.pk}/change/")]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert not any("169.254" in src for src in _img_sources(html))
        assert "<b>" not in html  # escaped, not markup
    assert "http://169.254.169.254/latest/meta-data/?x=&lt;b&gt;" in pages[0].content.decode()


def test_an_uploaded_avatar_is_still_displayed_in_the_admin(client, operator, owner, settings,
                                                            tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = owner.profile
    profile.avatar.save("a.png", ContentFile(b"\x89PNG fake"), save=True)
    client.force_login(operator)
    html = client.get("/admin/accounts/profile/").content.decode()
    assert any(src.startswith("/media/avatars/") for src in _img_sources(html))
