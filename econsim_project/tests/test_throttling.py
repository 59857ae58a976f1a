"""Throttles count in the shared cache (Redis in production) per user and per anonymous IP; the
IP is REMOTE_ADDR unless TRUSTED_PROXY_COUNT says which X-Forwarded-For hop to believe."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def tight_rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"anon": "3/min", "user": "4/min", "auth_token": "1000/min"})


@pytest.mark.services
@pytest.mark.django_db
def test_throttle_counters_live_in_redis(tight_rates, api_client):
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    api_client.post("/api/auth/token/", {}, format="json")
    assert cache.keys("throttle_anon_*"), "the anonymous counter should be stored in Redis"


@pytest.mark.django_db
def test_anonymous_ip_is_limited_with_retry_after(tight_rates, api_client):
    statuses = [
        api_client.post("/api/auth/token/", {}, format="json").status_code for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    response = api_client.post("/api/auth/token/", {}, format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert body["retry_after"] == int(response["Retry-After"])
    # another address still gets through
    other = api_client.post("/api/auth/token/", {}, format="json", REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 400


@pytest.mark.django_db
def test_each_user_has_their_own_budget(tight_rates, api_client, owner, other_user):
    api_client.force_authenticate(owner)
    statuses = [api_client.get("/api/me/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    api_client.force_authenticate(other_user)
    assert api_client.get("/api/me/").status_code == 200


@pytest.mark.services
@pytest.mark.django_db
def test_rotating_x_forwarded_for_gives_no_fresh_attempts(tight_rates, api_client):
    statuses = [
        api_client.post("/api/auth/token/", {}, format="json",
                        HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    assert statuses == [400, 400, 400, 429, 429, 429]


@pytest.mark.services
@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(tight_rates, api_client,
                                                                   settings):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        api_client.post("/api/auth/token/", {}, format="json",
                        HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9").status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]  # the client's own hops are not believed
    other = api_client.post("/api/auth/token/", {}, format="json",
                            HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.20")
    assert other.status_code == 400


@pytest.mark.services
@pytest.mark.django_db
def test_token_requests_have_their_own_rate_per_address(monkeypatch, api_client, owner):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"anon": "100/min", "user": "100/min", "auth_token": "2/min"})
    bodies = [{"username": f"name{n}", "password": "x"} for n in range(3)]
    statuses = [api_client.post("/api/auth/token/", body, format="json").status_code
                for body in bodies]
    assert statuses == [400, 400, 429]
    assert api_client.post("/api/auth/token/", {}, format="json",
                           REMOTE_ADDR="10.9.8.7").status_code == 400
    api_client.force_authenticate(owner)  # other endpoints are not counted by it
    assert api_client.get("/api/me/").status_code == 200
