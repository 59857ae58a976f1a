from __future__ import annotations

import pytest

from llm.models import LlmLimitOverride

pytestmark = pytest.mark.django_db


def test_operator_sets_a_limit_override_in_the_admin(client, operator, owner):
    client.force_login(operator)
    response = client.post(
        "/admin/llm/llmlimitoverride/add/",
        {"user": owner.pk, "requests_per_minute": "2", "tokens_per_day": "", "note": "trial"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = LlmLimitOverride.objects.get(user=owner)
    assert (override.requests_per_minute, override.tokens_per_day) == (2, None)


def test_operator_sees_everyones_quotas_and_usage_in_the_admin(client, operator, owner, other_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(owner)
    api.post("/api/llm/completions/", {"prompt": "hello"}, format="json")
    client.force_login(operator)
    ledger = client.get("/admin/accounts/quotaledger/").content.decode()
    for text in ("owner", "other", "LLM requests per minute: 1 / 20 requests", "CPU burst bucket"):
        assert text in ledger
    detail = client.get(f"/admin/accounts/quotaledger/{owner.pk}/change/").content.decode()
    assert "LLM tokens per day" in detail
    usage = client.get("/admin/llm/llmusage/").content.decode()
    assert "owner" in usage and "econsim-mock" in usage
    assert client.get("/admin/accounts/cpubucket/").status_code == 200


def test_the_ledger_page_costs_the_same_queries_for_more_users(client, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.tests.factories import UserFactory

    client.force_login(operator)
    client.get("/admin/accounts/quotaledger/")
    counts = []
    for more in (2, 12):
        UserFactory.create_batch(more)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/accounts/quotaledger/").status_code == 200
        counts.append(len(queries))
    # Session, user, counts, page; then one query per ledger source (CPU bucket, claimed
    # agents, scripts, 2 LLM), profile and the unread-notification badge.
    assert counts[0] == counts[1] <= 13


def test_a_user_is_kept_out_of_the_admin(client, owner):
    client.force_login(owner)
    assert client.get("/admin/accounts/quotaledger/").status_code == 302
