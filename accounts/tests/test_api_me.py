from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Profile

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (600, 400), color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_me_shows_account_and_profile(owner_client, owner):
    body = owner_client.get("/api/me/").json()
    assert body["username"] == "owner"
    assert body["email"] == "owner@example.com"
    assert body["display_name"] == "owner"
    assert body["is_operator"] is False
    assert re.fullmatch(r"/static/img/avatar(\.[0-9a-f]+)?\.svg", body["avatar_src"])


def test_operator_is_flagged(api_client, operator):
    api_client.force_authenticate(operator)
    assert api_client.get("/api/me/").json()["is_operator"] is True


def test_anonymous_me_is_401(api_client, db):
    assert api_client.get("/api/me/").status_code == 401


def test_patch_changes_nickname_and_display_name(owner_client, owner):
    response = owner_client.patch("/api/me/", {"nickname": "  Keynes  "}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "Keynes"
    assert Profile.objects.get(user=owner).nickname == "Keynes"


def test_too_long_nickname_is_rejected_and_nothing_changes(owner_client, owner):
    owner_client.patch("/api/me/", {"nickname": "Minsky"}, format="json")
    response = owner_client.patch(
        "/api/me/", {"nickname": "x" * 41, "email": "new@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "nickname"
    assert response.json()["errors"][0]["rule"] == "max_length"
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert Profile.objects.get(user=owner).nickname == "Minsky"


def test_email_change_updates_the_primary_address(owner_client, owner):
    response = owner_client.patch("/api/me/", {"email": "godley@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["email"] == "godley@example.com"
    assert EmailAddress.objects.get(user=owner, primary=True).email == "godley@example.com"


def test_email_of_another_account_is_refused(owner_client, other_user):
    response = owner_client.patch("/api/me/", {"email": "OTHER@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "email", "rule": "unique", "message": "Another account uses this email."}
    ]


def test_invalid_email_names_the_field(owner_client):
    response = owner_client.patch("/api/me/", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "email"


def test_unknown_field_is_refused(owner_client):
    response = owner_client.patch("/api/me/", {"is_staff": True}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "is_staff",
        "rule": "unknown_field",
        "message": "Unknown field.",
    }


def test_avatar_url_must_be_http(owner_client):
    response = owner_client.patch("/api/me/", {"avatar_url": "javascript:alert(1)"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "avatar_url"
    ok = owner_client.patch(
        "/api/me/", {"avatar_url": "https://img.example.com/a.png"}, format="json"
    )
    assert ok.json()["avatar_src"] == "https://img.example.com/a.png"


def test_avatar_upload_is_cropped_square_and_resized(owner_client, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("me.png", _png((600, 400)), content_type="image/png")
    response = owner_client.patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["avatar_src"].startswith("/media/avatars/")
    profile = Profile.objects.get(user=owner)
    with Image.open(profile.avatar.path) as stored:
        assert stored.size == (256, 256)
        assert stored.format == "PNG"


def test_uploaded_avatar_wins_over_url_and_can_be_removed(owner_client, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner_client.patch("/api/me/", {"avatar_url": "https://img.example.com/a.png"}, format="json")
    upload = SimpleUploadedFile("me.png", _png(), content_type="image/png")
    owner_client.patch("/api/me/", {"avatar": upload}, format="multipart")
    assert owner_client.get("/api/me/").json()["avatar_src"].startswith("/media/")
    owner_client.patch("/api/me/", {"clear_avatar": True}, format="json")
    assert owner_client.get("/api/me/").json()["avatar_src"] == "https://img.example.com/a.png"


def test_a_text_file_posing_as_png_is_refused(owner_client, owner):
    upload = SimpleUploadedFile("evil.png", b"#!/bin/sh\necho pwned\n", content_type="image/png")
    response = owner_client.patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "avatar",
        "rule": "invalid_image",
        "message": "The file is not a readable image.",
    }
    assert not Profile.objects.get(user=owner).avatar


def test_an_oversized_avatar_is_refused(owner_client, settings):
    settings.AVATAR_MAX_BYTES = 2048
    upload = SimpleUploadedFile(
        "big.png", _png((800, 800), "blue") + b"\0" * 4096, content_type="image/png"
    )
    response = owner_client.patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "max_size"


def test_a_bmp_image_is_refused_by_type(owner_client):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    upload = SimpleUploadedFile("a.bmp", buffer.getvalue(), content_type="image/bmp")
    response = owner_client.patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "invalid_type"
