"""The quota ledger (accounts/quotas.py), GET /api/me/quotas/, the profile section, and the
script CPU burst bucket (accounts/cpu_bucket.py)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import quotas
from accounts.cpu_bucket import cpu_bucket_budget, cpu_bucket_settle
from accounts.models import CpuBucket
from accounts.quotas import QuotaUsage, quota_report

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cpu(settings):
    settings.SCRIPT_CPU_MS_PER_TICK = 100
    settings.SCRIPT_CPU_BUCKET_CAP_MS = 1000
    settings.SCRIPT_CPU_MAX_MS_PER_TICK = 500
    return settings


def _by_name(report: list[dict]) -> dict[str, dict]:
    return {quota["name"]: quota for quota in report}


def test_a_new_user_sees_every_limit_with_nothing_used(owner, cpu):
    report = _by_name(quota_report(user=owner, now=NOON))
    assert list(report) == [
        "script_cpu.ms_per_tick",
        "script_cpu.bucket",
        "scripts.count",  # registered by scripts_lib (scripts_lib/quotas.py)
        "scripts.versions_per_day",
        "scripts.source_bytes",
        "scripts.log_bytes_per_day",
        "llm.requests_per_minute",
        "llm.tokens_per_day",
        "lab.backtest_ticks_per_day",  # registered by lab (lab/quotas.py)
    ]
    assert report["llm.requests_per_minute"] == {
        "name": "llm.requests_per_minute",
        "label": "LLM requests per minute",
        "unit": "requests",
        "limit": 20,
        "used": 0,
        "remaining": 20,
        "period": "minute",
        "resets_at": datetime(2026, 3, 2, 12, 1, tzinfo=UTC),
    }
    assert report["llm.tokens_per_day"]["resets_at"] == datetime(2026, 3, 3, tzinfo=UTC)
    assert (report["llm.tokens_per_day"]["limit"], report["llm.tokens_per_day"]["used"]) == (
        50_000,
        0,
    )
    assert report["script_cpu.ms_per_tick"] | {"resets_at": None} == {
        "name": "script_cpu.ms_per_tick",
        "label": "Script CPU per tick",
        "unit": "ms",
        "limit": 100,
        "used": 0,
        "remaining": 100,
        "period": "tick",
        "resets_at": None,
    }
    assert (report["script_cpu.bucket"]["remaining"], report["script_cpu.bucket"]["limit"]) == (
        0,
        1000,
    )


def test_the_api_shows_the_callers_quotas_and_their_use(owner_client):
    owner_client.post("/api/llm/completions/", {"prompt": "hi", "max_tokens": 5}, format="json")
    response = owner_client.get("/api/me/quotas/")
    assert response.status_code == 200
    report = _by_name(response.json()["quotas"])
    assert report["llm.requests_per_minute"]["used"] == 1
    assert report["llm.tokens_per_day"]["used"] > 0
    assert report["llm.tokens_per_day"]["resets_at"].endswith("T00:00:00Z")
    assert report["script_cpu.bucket"]["resets_at"] is None


def test_anonymous_quotas_are_401(api_client):
    assert api_client.get("/api/me/quotas/").status_code == 401


def test_an_app_registers_its_quotas_and_they_join_the_ledger(owner, monkeypatch):
    def scripts_source(*, user_ids: list[int], now: datetime) -> dict[int, list[QuotaUsage]]:
        return {
            user_id: [QuotaUsage("scripts.count", "Scripts", "scripts", 10, 3, 7, "held", None)]
            for user_id in user_ids
        }

    monkeypatch.setitem(quotas._sources, "scripts", scripts_source)
    report = _by_name(quota_report(user=owner))
    assert report["scripts.count"]["used"] == 3
    assert "llm.tokens_per_day" in report


def test_the_profile_page_has_a_quotas_section(client, owner, cpu):
    cpu_bucket_settle(user_id=owner.pk, used_ms=40)
    client.force_login(owner)
    html = client.get("/accounts/profile/").content.decode()
    assert 'data-testid="quotas"' in html
    assert "LLM requests per minute" in html
    assert 'data-quota="script_cpu.bucket"' in html
    assert '<td class="num">40 / 100 ms</td>' in html  # the CPU used in the last tick
    assert '<td class="num">60 / 1,000 ms stored</td>' in html  # what it left in the bucket


def test_unused_cpu_accrues_in_the_bucket(owner, cpu):
    assert cpu_bucket_budget(user_id=owner.pk) == 100
    bucket = cpu_bucket_settle(user_id=owner.pk, used_ms=30)
    assert (bucket.bucket_ms, bucket.last_used_ms, bucket.ticks) == (70, 30, 1)
    cpu_bucket_settle(user_id=owner.pk, used_ms=0)
    assert CpuBucket.objects.get(user=owner).bucket_ms == 170
    assert cpu_bucket_budget(user_id=owner.pk) == 270


def test_the_bucket_stops_at_its_cap_and_the_budget_at_the_per_tick_maximum(owner, cpu):
    for _ in range(15):
        bucket = cpu_bucket_settle(user_id=owner.pk, used_ms=0)
    assert bucket.bucket_ms == 1000
    assert cpu_bucket_budget(user_id=owner.pk) == 500
    report = _by_name(quota_report(user=owner))
    assert (report["script_cpu.bucket"]["remaining"], report["script_cpu.bucket"]["used"]) == (
        1000,
        0,
    )


def test_a_heavy_tick_draws_on_the_bucket_and_it_never_goes_negative(owner, cpu):
    for _ in range(5):
        cpu_bucket_settle(user_id=owner.pk, used_ms=0)
    assert cpu_bucket_budget(user_id=owner.pk) == 500
    assert cpu_bucket_settle(user_id=owner.pk, used_ms=450).bucket_ms == 500 + 100 - 450
    assert cpu_bucket_settle(user_id=owner.pk, used_ms=900).bucket_ms == 0
    assert cpu_bucket_budget(user_id=owner.pk) == 100


def test_a_lowered_cap_applies_at_once(owner, cpu):
    for _ in range(10):
        cpu_bucket_settle(user_id=owner.pk, used_ms=0)
    cpu.SCRIPT_CPU_BUCKET_CAP_MS = 300
    cpu.SCRIPT_CPU_MAX_MS_PER_TICK = 10_000
    assert cpu_bucket_budget(user_id=owner.pk) == 400
    assert cpu_bucket_settle(user_id=owner.pk, used_ms=0).bucket_ms == 300


@pytest.mark.parametrize("used_ms", [-1, 1.5, "10", True, 2**31])
def test_settle_refuses_a_bad_cpu_figure_and_changes_nothing(owner, cpu, used_ms):
    cpu_bucket_settle(user_id=owner.pk, used_ms=0)
    with pytest.raises(ValidationError) as error:
        cpu_bucket_settle(user_id=owner.pk, used_ms=used_ms)
    assert error.value.error_dict["used_ms"][0].code == "range"
    assert CpuBucket.objects.get(user=owner).bucket_ms == 100


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_settles_lose_no_update(owner, cpu):
    assert connection.vendor == "postgresql"
    start = threading.Barrier(6)

    def settle() -> None:
        start.wait()
        try:
            for _ in range(3):
                cpu_bucket_settle(user_id=owner.pk, used_ms=60)
        finally:
            connection.close()

    threads = [threading.Thread(target=settle) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    bucket = CpuBucket.objects.get(user=owner)
    assert (bucket.ticks, bucket.bucket_ms) == (18, 18 * 40)


@pytest.mark.services  # PostgreSQL (query counts, advisory locks) or Redis (flush)
def test_a_tick_settles_every_owner_in_one_batch(cpu, django_assert_max_num_queries):
    from accounts.cpu_bucket import cpu_buckets_settle
    from accounts.tests.factories import UserFactory

    users = UserFactory.create_batch(30)
    cpu_bucket_settle(user_id=users[0].pk, used_ms=0)  # one bucket exists already
    used = {user.pk: 10 * (i % 5) for i, user in enumerate(users)}  # 0..40 ms of 100
    with django_assert_max_num_queries(4):  # savepoint, insert missing, update, release
        assert cpu_buckets_settle(used_ms_by_user=used) == 30
    buckets = dict(CpuBucket.objects.filter(user__in=users).values_list("user_id", "bucket_ms"))
    expected = {u: cpu.SCRIPT_CPU_MS_PER_TICK - ms for u, ms in used.items()}
    expected[users[0].pk] += cpu.SCRIPT_CPU_MS_PER_TICK  # its second settle
    assert buckets == expected
    assert set(CpuBucket.objects.filter(user__in=users).values_list("ticks", flat=True)) <= {1, 2}


def test_a_batch_with_one_bad_figure_changes_nothing(owner, other_user, cpu):
    from accounts.cpu_bucket import cpu_buckets_settle

    with pytest.raises(ValidationError):
        cpu_buckets_settle(used_ms_by_user={owner.pk: 5, other_user.pk: -1})
    assert not CpuBucket.objects.exists()


def test_the_profile_quota_table_speaks_the_users_language(client, owner):
    client.force_login(owner)
    html = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "策略脚本" in html and "个脚本" in html  # "Strategy scripts", the unit
    assert "Strategy scripts" not in html
