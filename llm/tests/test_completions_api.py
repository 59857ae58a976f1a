from __future__ import annotations

import pytest

from llm.models import LlmUsage
from llm.tokens import prompt_tokens

pytestmark = pytest.mark.django_db

URL = "/api/llm/completions/"


def test_mock_completion_answers_with_text_usage_and_remaining_quota(owner_client, owner):
    messages = [
        {"role": "system", "content": "You advise a firm."},
        {"role": "user", "content": "Should we raise prices?"},
    ]
    response = owner_client.post(URL, {"messages": messages, "max_tokens": 50}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["provider"] == "mock"
    assert body["model"] == "econsim-mock"
    assert body["text"].startswith("Mock answer: Should we raise prices?")
    usage = body["usage"]
    assert usage["prompt_tokens"] == prompt_tokens(messages)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert 0 < usage["completion_tokens"] <= 50
    quotas = {quota["name"]: quota for quota in body["quotas"]}
    assert quotas["llm.requests_per_minute"]["used"] == 1
    assert quotas["llm.requests_per_minute"]["remaining"] == 19
    assert quotas["llm.tokens_per_day"]["used"] == usage["total_tokens"]
    assert quotas["llm.tokens_per_day"]["remaining"] == 50_000 - usage["total_tokens"]
    record = LlmUsage.objects.get(user=owner)
    assert record.id == body["id"]
    assert (record.outcome, record.total_tokens) == ("ok", usage["total_tokens"])


def test_the_mock_is_deterministic_and_a_prompt_is_one_user_message(owner_client):
    first = owner_client.post(URL, {"prompt": "Forecast inflation."}, format="json").json()
    second = owner_client.post(
        URL, {"messages": [{"role": "user", "content": "Forecast inflation."}]}, format="json"
    ).json()
    assert first["text"] == second["text"]
    assert first["usage"] == second["usage"]


def test_a_small_max_tokens_cuts_the_answer(owner_client):
    body = owner_client.post(URL, {"prompt": "Hello there", "max_tokens": 3}, format="json").json()
    assert body["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 3


@pytest.mark.parametrize(
    ("payload", "field", "rule"),
    [
        ({}, "messages", "required"),
        ({"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}, "prompt", "exclusive"),
        ({"messages": "hi"}, "messages", "not_a_list"),
        ({"messages": []}, "messages", "empty"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages.0.role", "invalid_choice"),
        ({"messages": [{"role": "user"}]}, "messages.0.content", "required"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages.0.content", "invalid"),
        (
            {"messages": [{"role": "user", "content": "x", "name": "a"}]},
            "messages.0.name",
            "unknown_field",
        ),
        ({"prompt": ""}, "prompt", "blank"),
        ({"prompt": "hi", "max_tokens": 0}, "max_tokens", "min_value"),
        ({"prompt": "hi", "max_tokens": 1025}, "max_tokens", "max_value"),
        ({"prompt": "hi", "max_tokens": "many"}, "max_tokens", "invalid"),
        ({"prompt": "hi", "temperature": -0.1}, "temperature", "min_value"),
        ({"prompt": "hi", "temperature": 2.5}, "temperature", "max_value"),
        ({"prompt": "hi", "temperature": "warm"}, "temperature", "invalid"),
        ({"prompt": "hi", "model": "gpt-9"}, "model", "invalid_choice"),
        ({"prompt": "hi", "stream": True}, "stream", "unknown_field"),
    ],
)
def test_invalid_request_is_a_400_naming_field_and_rule(owner_client, owner, payload, field, rule):
    response = owner_client.post(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in body["errors"]
    ], body
    record = LlmUsage.objects.get(user=owner)
    assert record.outcome == "invalid"
    assert record.detail == f"{field}: {rule}"
    assert record.total_tokens == 0


def test_the_max_tokens_cap_follows_the_settings(owner_client, settings):
    settings.LLM_MAX_TOKENS_CAP = 10
    response = owner_client.post(URL, {"prompt": "hi", "max_tokens": 11}, format="json")
    assert response.json()["errors"][0] == {
        "field": "max_tokens",
        "rule": "max_value",
        "message": "Ensure this value is less than or equal to 10.",
    }


def test_an_invalid_request_costs_no_quota(owner_client):
    owner_client.post(URL, {"prompt": "hi", "max_tokens": 0}, format="json")
    quotas = {q["name"]: q for q in owner_client.get("/api/me/quotas/").json()["quotas"]}
    assert quotas["llm.requests_per_minute"]["used"] == 0
    assert quotas["llm.tokens_per_day"]["used"] == 0


def test_anonymous_completion_is_401(api_client, db):
    response = api_client.post(URL, {"prompt": "hi"}, format="json")
    assert response.status_code == 401
    assert not LlmUsage.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(owner_client):
    response = owner_client.post(URL, [{"role": "user", "content": "hi"}], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "invalid"
    broken = owner_client.post(URL, "{not json", content_type="application/json")
    assert (broken.status_code, broken.json()["errors"][0]["field"]) == (400, "body")
