"""The OpenAI-compatible provider against a fake upstream on a real socket (127.0.0.1)."""

from __future__ import annotations

import logging
import time

import pytest

from llm.models import LlmUsage
from llm.tests.conftest import API_KEY, Answer, chat_answer

pytestmark = pytest.mark.django_db

URL = "/api/llm/completions/"


def _ask(client, **extra):
    return client.post(URL, {"prompt": "What is money?", **extra}, format="json")


def test_completion_through_the_upstream(openai_settings, upstream, owner_client, owner):
    upstream.script(Answer(body=chat_answer("Money is a social ledger.", 12, 6)))
    response = _ask(owner_client, max_tokens=30, temperature=0.2, model="gpt-test-mini")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["provider"], body["model"], body["text"]) == (
        "openai",
        "gpt-test-mini",
        "Money is a social ledger.",
    )
    assert body["usage"] == {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}
    sent = upstream.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert sent["json"] == {
        "model": "gpt-test-mini",
        "messages": [{"role": "user", "content": "What is money?"}],
        "max_tokens": 30,
        "temperature": 0.2,
    }
    quotas = {q["name"]: q for q in body["quotas"]}
    assert quotas["llm.tokens_per_day"]["used"] == 18  # the upstream's count is what is charged
    assert LlmUsage.objects.get(user=owner).provider == "openai"


def test_a_5xx_then_success_is_retried(openai_settings, upstream, owner_client):
    upstream.script(Answer(status=503, body={"error": "busy"}), Answer(status=500, body=b"oops"))
    response = _ask(owner_client)
    assert response.status_code == 200
    assert len(upstream.requests) == 3


def test_a_429_from_upstream_is_retried_honouring_retry_after(
    openai_settings, upstream, owner_client
):
    upstream.script(Answer(status=429, headers={"Retry-After": "0.2"}))
    started = time.monotonic()
    response = _ask(owner_client)
    assert response.status_code == 200
    assert len(upstream.requests) == 2
    assert time.monotonic() - started >= 0.2


def test_5xx_until_retries_run_out_is_a_502(openai_settings, upstream, owner_client, owner):
    upstream.script(*[Answer(status=502, body={"error": {"message": API_KEY}})] * 3)
    response = _ask(owner_client)
    assert response.status_code == 502
    assert len(upstream.requests) == 3  # one call and LLM_MAX_RETRIES=2 retries
    body = response.json()
    assert body["code"] == "bad_gateway"
    assert body["errors"] == [
        {
            "field": "detail",
            "rule": "upstream_unavailable",
            "message": "The model provider failed 3 times (HTTP 502).",
        }
    ]
    record = LlmUsage.objects.get(user=owner)
    assert (record.outcome, record.detail, record.total_tokens) == (
        "upstream_error",
        "upstream_unavailable",
        0,
    )


def _clear_of_the_minute_end(margin_s: float = 3.0) -> None:
    """The request limit is a calendar-minute window: a request made at :59 and read back at
    :00 is in the previous window. Start far enough from the end that both fall in one."""
    left = 60.0 - time.time() % 60.0
    if left < margin_s:
        time.sleep(left + 0.05)


def test_a_timeout_is_a_504_and_costs_no_tokens(openai_settings, upstream, owner_client, owner):
    upstream.script(Answer(delay=1.0))
    _clear_of_the_minute_end()
    started = time.monotonic()
    response = _ask(owner_client)
    assert time.monotonic() - started < 0.9  # LLM_TIMEOUT_MS=300, and a timeout is not retried
    assert response.status_code == 504
    body = response.json()
    assert body["code"] == "gateway_timeout"
    assert body["errors"][0]["rule"] == "upstream_timeout"
    assert body["message"] == "The model provider did not answer within 0.3 s."
    assert LlmUsage.objects.get(user=owner).outcome == "timeout"
    quotas = {q["name"]: q for q in owner_client.get("/api/me/quotas/").json()["quotas"]}
    assert quotas["llm.tokens_per_day"]["used"] == 0  # the reservation came back
    assert quotas["llm.requests_per_minute"]["used"] == 1


def test_a_body_trickling_in_cannot_outlast_the_deadline(openai_settings, upstream, owner_client):
    upstream.script(Answer(trickle=True))
    started = time.monotonic()
    response = _ask(owner_client)
    assert response.status_code == 504
    assert time.monotonic() - started < 0.9  # each byte came well within the 300 ms


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (Answer(body=b"<html>not json</html>"), "upstream_invalid_response"),
        (Answer(body={"choices": []}), "upstream_invalid_response"),
        (Answer(body={"choices": [{"message": {"content": 7}}]}), "upstream_invalid_response"),
        (Answer(status=401, body={"error": f"Incorrect API key {API_KEY}"}), "upstream_rejected"),
    ],
)
def test_an_unusable_answer_is_a_502_naming_why(
    openai_settings, upstream, owner_client, answer, rule
):
    upstream.script(answer)
    response = _ask(owner_client)
    assert response.status_code == 502
    assert response.json()["errors"][0]["rule"] == rule
    assert len(upstream.requests) == 1  # not worth retrying


def test_an_unreachable_upstream_is_a_502(openai_settings, owner_client):
    openai_settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nobody listens
    response = _ask(owner_client)
    assert response.status_code == 502
    assert response.json()["errors"][0]["rule"] == "upstream_unavailable"


def test_the_api_key_never_appears_in_responses_or_logs(
    openai_settings, upstream, owner_client, caplog
):
    caplog.set_level(logging.DEBUG)
    leaky = {"error": {"message": f"Incorrect API key provided: {API_KEY}"}}
    upstream.script(
        Answer(status=500, body=leaky),
        Answer(status=401, body=leaky),
        Answer(delay=1.0),
        Answer(status=200, body=chat_answer()),
    )
    responses = [_ask(owner_client) for _ in range(3)]
    responses.append(owner_client.get("/api/llm/usage/"))
    assert [r.status_code for r in responses] == [502, 504, 200, 200]
    for response in responses:
        assert API_KEY not in response.content.decode()
        assert "SECRET" not in response.content.decode()
    assert caplog.records, "the failures should have been logged"
    assert API_KEY not in caplog.text
    assert "SECRET" not in caplog.text
