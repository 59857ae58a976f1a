from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_is_issued_for_right_credentials_and_opens_the_api(api_client, owner):
    response = api_client.post(
        "/api/auth/token/", {"username": "owner", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=owner).key == token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/me/").json()["username"] == "owner"


def test_token_request_is_stable_until_revoked(api_client, owner):
    body = {"username": "owner", "password": PASSWORD}
    first = api_client.post("/api/auth/token/", body, format="json").json()["token"]
    second = api_client.post("/api/auth/token/", body, format="json").json()["token"]
    assert first == second

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.delete("/api/auth/token/").status_code == 204
    refused = api_client.get("/api/me/")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["rule"] == "authentication_failed"

    api_client.credentials()
    third = api_client.post("/api/auth/token/", body, format="json").json()["token"]
    assert third != first
    assert Token.objects.get(user=owner).key == third
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {third}")
    assert api_client.get("/api/me/").json()["username"] == "owner"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.get("/api/me/").status_code == 401  # the old one stays refused


def test_wrong_password_names_the_password_field_and_issues_nothing(api_client, owner):
    response = api_client.post(
        "/api/auth/token/", {"username": "owner", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "password"
    assert body["errors"][0]["rule"] == "invalid_credentials"
    assert not Token.objects.filter(user=owner).exists()


def test_missing_username_is_a_400_naming_the_field_and_the_rule(api_client, db):
    response = api_client.post("/api/auth/token/", {"password": "x"}, format="json")
    assert response.status_code == 400
    assert {"field": "username", "rule": "required"}.items() <= response.json()["errors"][0].items()


def test_inactive_user_gets_no_token(api_client, owner):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    response = api_client.post(
        "/api/auth/token/", {"username": "owner", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_delete_revokes_the_token(api_client, owner):
    token = Token.objects.create(user=owner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.delete("/api/auth/token/").status_code == 204
    response = api_client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["rule"] == "authentication_failed"


def test_delete_without_credentials_is_401_with_a_challenge(api_client, db):
    response = api_client.delete("/api/auth/token/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_malformed_json_is_a_400_naming_the_body(api_client, db):
    response = api_client.post(
        "/api/auth/token/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
