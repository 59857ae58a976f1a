from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from llm.models import LlmUsage

pytestmark = pytest.mark.django_db


def _usage(user, when: datetime, outcome: str = "ok", tokens: int = 10, model: str = "m") -> None:
    LlmUsage.objects.create(
        user=user,
        created_at=when,
        provider="mock",
        model=model,
        prompt_tokens=tokens - 2 if tokens else 0,
        completion_tokens=2 if tokens else 0,
        total_tokens=tokens,
        latency_ms=40,
        outcome=outcome,
    )


def test_usage_lists_only_the_callers_records_newest_first(owner_client, owner, other_user):
    owner_client.post("/api/llm/completions/", {"prompt": "one"}, format="json")
    owner_client.post("/api/llm/completions/", {"prompt": "two", "max_tokens": 0}, format="json")
    _usage(other_user, datetime.now(UTC))
    body = owner_client.get("/api/llm/usage/").json()
    assert body["count"] == 2
    assert [r["outcome"] for r in body["results"]] == ["invalid", "ok"]
    assert {r["user"] for r in body["results"]} == {owner.pk}
    assert set(body["results"][1]) >= {
        "created_at",
        "provider",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "latency_ms",
        "outcome",
    }


def test_usage_is_paginated(owner_client, owner):
    now = datetime.now(UTC)
    for minute in range(7):
        _usage(owner, now - timedelta(minutes=minute))
    first = owner_client.get("/api/llm/usage/?page_size=5").json()
    assert (first["count"], len(first["results"])) == (7, 5)
    second = owner_client.get(first["next"]).json()
    assert len(second["results"]) == 2


def test_a_user_may_not_read_another_users_usage(owner_client, other_user):
    response = owner_client.get(f"/api/llm/usage/?user={other_user.pk}")
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "permission_denied"


def test_an_operator_reads_anyones_usage(api_client, operator, owner):
    _usage(owner, datetime.now(UTC))
    api_client.force_authenticate(operator)
    body = api_client.get(f"/api/llm/usage/?user={owner.pk}").json()
    assert [r["user"] for r in body["results"]] == [owner.pk]
    missing = api_client.get("/api/llm/usage/?user=999999")
    assert missing.status_code == 400
    assert missing.json()["errors"][0] == {
        "field": "user",
        "rule": "does_not_exist",
        "message": "No user has this id.",
    }
    bad = api_client.get("/api/llm/usage/?user=abc")
    assert (bad.status_code, bad.json()["errors"][0]["rule"]) == (400, "invalid")


def test_daily_aggregate_groups_by_day_and_model(owner_client, owner, other_user):
    today = datetime.now(UTC).replace(hour=12)
    _usage(owner, today, tokens=10)
    _usage(owner, today - timedelta(hours=1), tokens=30)
    _usage(owner, today, outcome="rate_limited", tokens=0)
    _usage(owner, today, model="other", outcome="timeout", tokens=0)
    _usage(owner, today - timedelta(days=1), tokens=5)
    _usage(owner, today - timedelta(days=40), tokens=99)  # outside the 30 days asked
    _usage(other_user, today, tokens=1000)
    rows = owner_client.get("/api/llm/usage/daily/").json()
    assert [(r["day"], r["model"]) for r in rows] == [
        (today.date().isoformat(), "m"),
        (today.date().isoformat(), "other"),
        ((today - timedelta(days=1)).date().isoformat(), "m"),
    ]
    assert {k: rows[0][k] for k in ("requests", "ok", "rate_limited", "failed")} == {
        "requests": 3,
        "ok": 2,
        "rate_limited": 1,
        "failed": 0,
    }
    assert (rows[0]["total_tokens"], rows[0]["mean_latency_ms"]) == (40, 40.0)
    assert (rows[1]["failed"], rows[1]["mean_latency_ms"]) == (1, None)
    assert len(owner_client.get("/api/llm/usage/daily/?days=1").json()) == 2
    assert owner_client.get("/api/llm/usage/daily/?days=400").status_code == 400


def test_every_gateway_endpoint_is_in_the_openapi_schema(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    paths = yaml.safe_load(response.content)["paths"]
    assert "post" in paths["/api/llm/completions/"]
    assert "get" in paths["/api/llm/usage/"]
    assert "get" in paths["/api/llm/usage/daily/"]
    assert "get" in paths["/api/me/quotas/"]
    completions = paths["/api/llm/completions/"]["post"]["responses"]
    assert set(completions) >= {"200", "400", "429", "502", "504"}
    usage_parameters = {p["name"] for p in paths["/api/llm/usage/"]["get"]["parameters"]}
    assert usage_parameters >= {"user", "page", "page_size"}
