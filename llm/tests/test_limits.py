"""Requests per minute and tokens per day: refusal naming the limit, reset with the window,
per-user overrides, counters rebuilt from PostgreSQL, no over-spend under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from llm.errors import LlmLimitExceeded
from llm.limits import limits_reserve, limits_usage
from llm.models import LlmLimitOverride, LlmUsage
from llm.services import llm_complete
from llm.tokens import prompt_tokens
from llm.windows import LlmLimits

URL = "/api/llm/completions/"
NOON = datetime(2026, 3, 2, 12, 0, 10, tzinfo=UTC)
HI = [{"role": "user", "content": "hi"}]


def _flush_counters() -> None:
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("llm:*")
    else:
        cache.clear()


@pytest.mark.django_db
def test_requests_per_minute_refuses_with_retry_after_and_the_rule(owner_client, settings):
    settings.LLM_REQUESTS_PER_MINUTE = 3
    statuses = [
        owner_client.post(URL, {"prompt": "hi", "max_tokens": 5}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    response = owner_client.post(URL, {"prompt": "hi", "max_tokens": 5}, format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert body["errors"][0]["rule"] == "requests_per_minute"
    assert body["message"].startswith("Limit of 3 requests per minute reached")
    assert body["retry_after"] == int(response["Retry-After"])
    refused = LlmUsage.objects.get(outcome="rate_limited")
    assert refused.detail == "requests_per_minute"


@pytest.mark.django_db
def test_tokens_per_day_reserves_max_tokens_and_refunds_the_unused_part(owner, settings):
    reserve = prompt_tokens(HI) + 100
    settings.LLM_TOKENS_PER_DAY = reserve + 20
    first = llm_complete(user_id=owner.pk, messages=HI, max_tokens=100, now=NOON)
    used = first.usage.total_tokens
    assert used < reserve  # the mock answers in fewer than 100 tokens: the rest came back
    assert limits_usage(user_ids=[owner.pk], now=NOON)[owner.pk] == (1, used)
    # A second request of the same size no longer fits in what is left of the day.
    with pytest.raises(LlmLimitExceeded) as refused:
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=100, now=NOON)
    assert refused.value.get_codes() == "tokens_per_day"
    assert refused.value.wait == 12 * 3600 - 10  # until midnight UTC
    # A smaller one does.
    llm_complete(user_id=owner.pk, messages=HI, max_tokens=5, now=NOON)


@pytest.mark.django_db
def test_tokens_per_day_429_through_the_api(owner_client, settings):
    settings.LLM_TOKENS_PER_DAY = 50
    response = owner_client.post(URL, {"prompt": "hi", "max_tokens": 60}, format="json")
    assert response.status_code == 429
    assert response.json()["errors"][0]["rule"] == "tokens_per_day"
    assert int(response["Retry-After"]) <= 86_400


@pytest.mark.django_db
def test_limits_reset_when_the_window_turns(owner, settings):
    # max_tokens=1: the mock answers "Mock", one token, so each call costs exactly its reserve.
    cost = prompt_tokens(HI) + 1
    settings.LLM_REQUESTS_PER_MINUTE = 2
    settings.LLM_TOKENS_PER_DAY = 3 * cost
    for _ in range(2):
        assert llm_complete(user_id=owner.pk, messages=HI, max_tokens=1, now=NOON).text == "Mock"
    with pytest.raises(LlmLimitExceeded) as refused:
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=1, now=NOON)
    assert refused.value.get_codes() == "requests_per_minute"
    assert refused.value.wait == 50
    next_minute = NOON + timedelta(minutes=1)
    llm_complete(user_id=owner.pk, messages=HI, max_tokens=1, now=next_minute)
    with pytest.raises(LlmLimitExceeded) as refused:
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=1, now=next_minute)
    assert refused.value.get_codes() == "tokens_per_day"
    assert limits_usage(user_ids=[owner.pk], now=next_minute)[owner.pk] == (1, 3 * cost)
    llm_complete(user_id=owner.pk, messages=HI, max_tokens=1, now=NOON + timedelta(days=1))


@pytest.mark.django_db
def test_an_operator_override_replaces_the_default_for_one_user(owner, other_user, settings):
    settings.LLM_REQUESTS_PER_MINUTE = 1
    LlmLimitOverride.objects.create(user=owner, requests_per_minute=3)
    for _ in range(3):
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=5, now=NOON)
    llm_complete(user_id=other_user.pk, messages=HI, max_tokens=5, now=NOON)
    with pytest.raises(LlmLimitExceeded):
        llm_complete(user_id=other_user.pk, messages=HI, max_tokens=5, now=NOON)


@pytest.mark.django_db
def test_a_zero_override_blocks_the_user(owner):
    LlmLimitOverride.objects.create(user=owner, tokens_per_day=0)
    with pytest.raises(LlmLimitExceeded) as refused:
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=1, now=NOON)
    assert refused.value.get_codes() == "tokens_per_day"


@pytest.mark.django_db
def test_flushing_the_counters_loses_nothing(owner, settings):
    """Counters are rebuilt from the usage records, so a Redis flush grants no extra quota."""
    settings.LLM_REQUESTS_PER_MINUTE = 2
    spent = sum(
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=10, now=NOON).usage.total_tokens
        for _ in range(2)
    )
    _flush_counters()
    assert limits_usage(user_ids=[owner.pk], now=NOON)[owner.pk] == (2, spent)
    with pytest.raises(LlmLimitExceeded):
        llm_complete(user_id=owner.pk, messages=HI, max_tokens=10, now=NOON)
    _flush_counters()
    admission = limits_reserve(
        user_id=owner.pk, limits=LlmLimits(5, 10_000), tokens=7, now=NOON + timedelta(minutes=1)
    )
    assert (admission.ok, admission.requests_used, admission.tokens_used) == (True, 1, spent + 7)


def _hammer(threads: int, calls: int, target) -> list:
    results: list = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        start.wait()
        try:
            for _ in range(calls):
                outcome = target()
                with lock:
                    results.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_spend_past_the_token_budget(owner, settings):
    assert django_settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    settings.LLM_REQUESTS_PER_MINUTE = 1000
    settings.LLM_TOKENS_PER_DAY = 10 * (prompt_tokens(HI) + 40)

    def call() -> int:
        client = APIClient()  # one per call: test clients are not shared between threads
        client.force_authenticate(owner)
        return client.post(URL, {"prompt": "hi", "max_tokens": 40}, format="json").status_code

    statuses = _hammer(threads=8, calls=4, target=call)
    assert sorted(set(statuses)) == [200, 429]
    spent = sum(LlmUsage.objects.filter(outcome="ok").values_list("total_tokens", flat=True))
    assert spent <= settings.LLM_TOKENS_PER_DAY
    assert statuses.count(200) == LlmUsage.objects.filter(outcome="ok").count()
    # The counter agrees with the records: every reservation was settled.
    assert limits_usage(user_ids=[owner.pk], now=NOON.now(UTC))[owner.pk][1] == spent


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_take_exactly_the_requests_allowed(owner):
    assert django_settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    limits = LlmLimits(requests_per_minute=7, tokens_per_day=1_000_000)

    def reserve() -> bool:
        return limits_reserve(user_id=owner.pk, limits=limits, tokens=10, now=NOON).ok

    outcomes = _hammer(threads=8, calls=5, target=reserve)
    assert outcomes.count(True) == 7
    assert limits_usage(user_ids=[owner.pk], now=NOON)[owner.pk] == (7, 70)
