"""Throttles count in the shared cache (Redis in production) per user and per anonymous IP."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def tight_rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "4/min"})


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
