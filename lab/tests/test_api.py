"""The backtests API without a worker (tasks are queued on commit, which these transactions
never reach): what a request may ask, what it is charged, what another user sees."""

from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.models import CpuBucket
from lab.models import Backtest, BacktestArm, BacktestQuotaDay, Status
from scripts_lib.services import script_create, script_version_create
from simulations.models import Agent

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def _url(lab: dict, version: str = "v2") -> str:
    return (f"/api/scripts/{lab['script'].pk}/versions/"
            f"{lab[version].number}/backtests/")


def _body(lab: dict, **extra) -> dict:
    return {"agent": lab["agent"].pk, "start_tick": 4, "ticks": 4,
            "arms": ["candidate", "mounted", "baseline"], **extra}


def test_create_queues_one_arm_per_kind_and_charges_the_quotas(owner_client, lab_world, owner):
    response = owner_client.post(_url(lab_world), _body(lab_world), format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["archive_last_tick"] == 8
    assert [(a["kind"], a["version_number"]) for a in body["arms"]] == [
        ("candidate", 2), ("mounted", 1), ("baseline", None)]
    assert body["progress"] == {"ticks_done": 0, "ticks_total": 12, "fraction": 0.0}
    assert body["arm_ticks"] == 12
    assert BacktestQuotaDay.objects.get(user=owner).arm_ticks == 12
    # CPU: the candidate's 4 calls; the mounted arm stays inside the archive (no call)
    per_call = body["cpu_ms_per_call"]
    assert body["cpu_reserved_ms"] == min(8000, 4 * per_call)
    assert CpuBucket.objects.get(user=owner).bucket_ms == 8000 - body["cpu_reserved_ms"]
    arms = {a.kind: a for a in BacktestArm.objects.filter(backtest_id=body["id"])}
    assert arms["mounted"].cpu_pool_ms is None and arms["baseline"].cpu_pool_ms is None
    quotas = {q["name"]: q for q in owner_client.get("/api/me/quotas/").json()["quotas"]}
    assert quotas["lab.backtest_ticks_per_day"]["used"] == 12


def test_default_arms_include_the_mounted_version_when_there_was_one(owner_client, lab_world):
    body = owner_client.post(_url(lab_world), {"agent": lab_world["agent"].pk,
                                               "start_tick": 4, "ticks": 2}, format="json")
    assert [a["kind"] for a in body.json()["arms"]] == ["candidate", "mounted", "baseline"]


@override_settings(LAB_BACKTEST_TICKS_PER_DAY=20)
def test_the_daily_tick_quota_refuses_with_429_naming_the_rule(owner_client, lab_world, owner):
    assert owner_client.post(_url(lab_world), _body(lab_world), format="json").status_code == 202
    bucket = CpuBucket.objects.get(user=owner).bucket_ms
    response = owner_client.post(_url(lab_world), _body(lab_world), format="json")
    assert response.status_code == 429
    body = response.json()
    assert body["errors"][0]["rule"] == "backtest_ticks_per_day"
    assert 0 < body["retry_after"] <= 86400
    assert Backtest.objects.count() == 1
    assert BacktestQuotaDay.objects.get(user=owner).arm_ticks == 12
    assert CpuBucket.objects.get(user=owner).bucket_ms == bucket


def test_an_empty_cpu_bucket_refuses_script_arms_and_charges_nothing(owner_client, lab_world,
                                                                     owner):
    CpuBucket.objects.filter(user=owner).update(bucket_ms=0)
    response = owner_client.post(_url(lab_world), _body(lab_world), format="json")
    assert response.status_code == 429
    assert response.json()["errors"][0]["rule"] == "script_cpu_bucket"
    assert not Backtest.objects.exists()
    assert not BacktestQuotaDay.objects.filter(user=owner, arm_ticks__gt=0).exists()
    # Arms that call no script need no CPU: the archived arm within its archive, the baseline.
    response = owner_client.post(_url(lab_world), _body(lab_world, arms=["mounted", "baseline"]),
                                 format="json")
    assert response.status_code == 202
    assert response.json()["cpu_reserved_ms"] == 0


@override_settings(LAB_BACKTESTS_ACTIVE_MAX=1)
def test_backtests_at_once_are_bounded(owner_client, lab_world):
    assert owner_client.post(_url(lab_world), _body(lab_world), format="json").status_code == 202
    response = owner_client.post(_url(lab_world), _body(lab_world), format="json")
    assert response.status_code == 429
    assert response.json()["errors"][0]["rule"] == "backtests_active"


@override_settings(LAB_BACKTESTS_KEPT=2)
def test_creating_one_deletes_the_oldest_finished_beyond_the_limit(owner_client, lab_world):
    ids = []
    for _ in range(3):
        response = owner_client.post(_url(lab_world), _body(lab_world, ticks=1), format="json")
        assert response.status_code == 202
        ids.append(response.json()["id"])
        Backtest.objects.filter(pk=ids[-1]).update(status=Status.SUCCEEDED)
    assert sorted(Backtest.objects.values_list("pk", flat=True)) == ids[1:]


@pytest.mark.parametrize(("change", "field", "rule"), [
    ({"arms": ["candidate", "baseline", "mounted", {"version": 1}, "baseline"]}, "arms",
     "max_length"),
    ({"arms": []}, "arms", "min_length"),
    ({"arms": ["baseline", "baseline"]}, "arms.1", "duplicate"),
    ({"arms": ["candidate", {"version": 2}]}, "arms.1", "duplicate"),
    ({"arms": ["sideways"]}, "arms.0", "invalid"),
    ({"arms": [7]}, "arms.0", "invalid"),
    ({"arms": [{"version": 99}]}, "arms.0.version", "not_found"),
    ({"arms": [{"version": 1, "colour": "red"}]}, "arms.0.colour", "unknown_field"),
    ({"arms": [{"version": 1, "script": 999999}]}, "arms.0.script", "not_found"),
    ({"ticks": 0}, "ticks", "min_value"),
    ({"ticks": 97}, "ticks", "max_value"),
    ({"ticks": "²"}, "ticks", "invalid"),
    ({"start_tick": 5}, "start_tick", "not_day_end"),
    ({"start_tick": 12}, "start_tick", "not_day_end"),
    ({"start_tick": -4}, "start_tick", "min_value"),
    ({"start_tick": None}, "start_tick", "null"),
    ({"agent": 10**30}, "agent", "max_value"),
    ({"rocket": 1}, "rocket", "unknown_field"),
    ({"world": {"n_households": 100}}, "agent", "agent_or_world"),
])
def test_hostile_bodies_are_refused_naming_field_and_rule(owner_client, lab_world, change, field,
                                                          rule):
    response = owner_client.post(_url(lab_world), _body(lab_world, **change), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert (errors[0]["field"], errors[0]["rule"]) == (field, rule), errors
    assert not Backtest.objects.exists()
    assert not BacktestQuotaDay.objects.filter(arm_ticks__gt=0).exists()


@pytest.mark.parametrize(("world", "arms", "field", "rule"), [
    ({"n_households": 10**6}, ["baseline"], "world.n_households", "max_value"),
    ({"scenario": "utopia"}, ["baseline"], "world.scenario", "invalid_choice"),
    ({"agent_id": 20000}, ["baseline"], "world.agent_id", "unknown_agent"),
    ({"seed": -1}, ["baseline"], "world.seed", "min_value"),
    ({"n_banks": 0}, ["baseline"], "world.n_banks", "min_value"),
    ({"colour": 1}, ["baseline"], "world.colour", "unknown_field"),
    ({}, ["mounted"], "arms.0", "no_archive"),
])
def test_hostile_fresh_worlds_are_refused(owner_client, lab_world, world, arms, field, rule):
    response = owner_client.post(_url(lab_world), {"world": world, "ticks": 2, "arms": arms},
                                 format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert (errors[0]["field"], errors[0]["rule"]) == (field, rule), errors


def test_a_fresh_world_backtest_is_accepted(owner_client, lab_world):
    response = owner_client.post(_url(lab_world), {
        "world": {"n_households": 300, "seed": 5, "agent_id": 3}, "ticks": 2,
        "arms": ["candidate", "baseline"]}, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["simulation"] is None and body["agent_engine_id"] == 3
    assert body["world"] == {"scenario": "baseline", "n_households": 300, "seed": 5,
                             "agent_id": 3}


def test_an_agent_of_another_user_or_type_is_refused(owner_client, lab_world, other_user):
    theirs = Agent.objects.get(simulation=lab_world["simulation"], agent_type="firm",
                               engine_id=2)
    response = owner_client.post(_url(lab_world), _body(lab_world, agent=theirs.pk),
                                 format="json")
    assert response.json()["errors"][0]["rule"] == "not_claimed"
    firm = Agent.objects.get(simulation=lab_world["simulation"], agent_type="firm",
                             engine_id=4)
    firm.owner = lab_world["agent"].owner
    firm.save(update_fields=["owner"])
    response = owner_client.post(_url(lab_world), _body(lab_world, agent=firm.pk),
                                 format="json")
    assert response.json()["errors"][0]["rule"] == "agent_type_mismatch"


def test_another_users_backtests_are_a_404(owner_client, lab_world, other_user, api_client):
    created = owner_client.post(_url(lab_world), _body(lab_world), format="json").json()
    api_client.force_authenticate(other_user)
    for path in (f"/api/backtests/{created['id']}/", f"/api/backtests/{created['id']}/series/"):
        response = api_client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_client.post(f"/api/backtests/{created['id']}/cancel/").status_code == 404
    assert api_client.get("/api/backtests/").json()["count"] == 0
    assert owner_client.get("/api/backtests/").json()["count"] == 1
    # and a backtest of another user's script version is the script's 404
    script = script_create(owner=other_user, name="theirs", agent_type="household")
    version = script_version_create(script=script, source="def decide(obs):\n    return {}\n",
                                    user=other_user)
    response = owner_client.post(f"/api/scripts/{script.pk}/versions/{version.number}/"
                                 "backtests/", _body(lab_world), format="json")
    assert response.status_code == 404


def test_cancelling_a_queued_backtest_cancels_its_arms(owner_client, lab_world, owner):
    created = owner_client.post(_url(lab_world), _body(lab_world), format="json").json()
    response = owner_client.post(f"/api/backtests/{created['id']}/cancel/")
    body = response.json()
    assert body["status"] == "cancelled" and body["reason"] == "cancelled"
    assert {a["status"] for a in body["arms"]} == {"cancelled"}
    # The CPU reserved for it went back to the bucket.
    assert CpuBucket.objects.get(user=owner).bucket_ms == 8000
    assert body["cpu_used_ms"] == 0


def test_series_format_is_json_or_csv(owner_client, lab_world):
    created = owner_client.post(_url(lab_world), _body(lab_world), format="json").json()
    response = owner_client.get(f"/api/backtests/{created['id']}/series/?format=xml")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"
    response = owner_client.get(f"/api/backtests/{created['id']}/series/?arm=9")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "arm"


def test_creating_backtests_is_rate_limited_per_user(owner_client, lab_world, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES",
                        {**ScopedRateThrottle.THROTTLE_RATES, "backtests": "1/min"})
    assert owner_client.post(_url(lab_world), _body(lab_world, ticks=1),
                             format="json").status_code == 202
    response = owner_client.post(_url(lab_world), _body(lab_world, ticks=1), format="json")
    assert response.status_code == 429
    assert response.json()["errors"][0]["rule"] == "throttled" and response.json()["retry_after"]
    assert Backtest.objects.count() == 1
