"""The per-account limit of POST /api/auth/token/, against real Redis through the endpoint:
failures per username tried, the same for existing and unknown names, whatever the address."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from accounts.tests.factories import PASSWORD
from accounts.token_limits import token_attempt_begin

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUTH_TOKEN_FAILURES_PER_ACCOUNT = 3
    settings.AUTH_TOKEN_FAILURE_WINDOW_SECONDS = 300


def _try(client, username: str, password: str, n: int = 0):
    # A new address and a new X-Forwarded-For every time: neither may buy fresh attempts.
    return client.post("/api/auth/token/", {"username": username, "password": password},
                       format="json", REMOTE_ADDR=f"10.1.{n // 250}.{n % 250 + 1}",
                       HTTP_X_FORWARDED_FOR=f"198.51.100.{n % 250}")


def test_failed_attempts_per_username_are_limited_and_the_refusal_says_when_to_retry(
        api_client, owner):
    before = owner.last_login
    assert [_try(api_client, "owner", "wrong", n).status_code for n in range(3)] == \
        [400, 400, 400]
    refused = _try(api_client, "owner", PASSWORD, 99)  # even the right password
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 300
    body = refused.json()
    assert body["status"] == 429 and body["retry_after"] == wait
    assert [(e["field"], e["rule"]) for e in body["errors"]] == \
        [("detail", "too_many_attempts")]
    assert f"Try again in {wait} second" in body["message"]
    assert not Token.objects.filter(user=owner).exists()
    owner.refresh_from_db()
    assert owner.last_login == before
    assert cache.keys("auth:token:failures:*"), "the counter lives in Redis"


def test_an_unknown_username_is_limited_exactly_like_an_existing_one(api_client, owner):
    answers = {}
    for name in ("owner", "nobody-here"):
        statuses = [_try(api_client, name, "wrong", n).status_code for n in range(4)]
        last = _try(api_client, name, "wrong", 50)
        answers[name] = (statuses, last.status_code, last.json()["code"],
                         [(e["field"], e["rule"]) for e in last.json()["errors"]])
    assert answers["owner"] == answers["nobody-here"]
    assert answers["owner"][0] == [400, 400, 400, 429]


def test_case_and_spaces_do_not_buy_attempts(api_client, owner):
    names = ["owner", "OWNER", " Owner "]
    assert [_try(api_client, name, "wrong", n).status_code
            for n, name in enumerate(names)] == [400, 400, 400]
    assert _try(api_client, "oWnEr", "wrong", 9).status_code == 429
    assert _try(api_client, "someone-else", "wrong", 10).status_code == 400


def test_successes_do_not_count_as_failures(api_client, owner):
    assert _try(api_client, "owner", "wrong", 1).status_code == 400
    for n in range(5):
        assert _try(api_client, "owner", PASSWORD, 10 + n).status_code == 200
    assert [_try(api_client, "owner", "wrong", 20 + n).status_code for n in range(3)] == \
        [400, 400, 429]


def test_attempts_come_back_when_the_window_ends(api_client, owner, settings):
    settings.AUTH_TOKEN_FAILURE_WINDOW_SECONDS = 4
    while time.time() % 4 > 0.3:  # start early in a window so four tries fit in it
        time.sleep(0.02)
    assert [_try(api_client, "owner", "wrong", n).status_code for n in range(4)] == \
        [400, 400, 400, 429]
    refused = _try(api_client, "owner", PASSWORD, 8)
    assert refused.status_code == 429
    time.sleep(int(refused["Retry-After"]) + 0.1)
    assert _try(api_client, "owner", PASSWORD, 9).status_code == 200


def test_parallel_attempts_cannot_take_more_slots_than_the_limit(owner):
    allowed: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        result = token_attempt_begin(username="owner", now=1_000_000.0)
        with lock:
            allowed.append(result.allowed)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 3
