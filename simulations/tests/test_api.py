from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from simulations.models import Agent, DayRun, Schedule, Shock, Simulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(operator):
    client = APIClient()
    client.force_authenticate(operator)
    return client


def _fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_users_see_visible_simulations_with_their_latest_aggregates(simulation, owner_client):
    from orchestration.advance import simulation_advance

    Simulation.objects.create(name="old", archived_at="2026-01-01T00:00Z")
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    listed = owner_client.get("/api/simulations/").json()
    assert [row["name"] for row in listed] == ["test-world"]
    detail = owner_client.get(f"/api/simulations/{simulation.pk}/").json()
    assert (detail["status"], detail["tick"], detail["day"]) == ("running", 1, 1)
    assert detail["days_completed"] == 0
    assert detail["latest_aggregates"]["tick"] == 1
    assert "gdp" in detail["latest_aggregates"]["data"]


def test_day_is_the_day_of_the_tick_everywhere_and_days_completed_says_the_count(
        simulation, owner_client):
    """One meaning of `day`: the day the last tick belongs to (ticks 1..4 are day 1 at four
    ticks a day), as in the history rows; whole days run are `days_completed`."""
    from orchestration.advance import simulation_advance

    url = f"/api/simulations/{simulation.pk}/"
    seen = []
    for tick in range(6):
        simulation_advance(simulation_id=simulation.pk, expected_tick=tick, ticks=1)
        detail = owner_client.get(url).json()
        [listed] = owner_client.get("/api/simulations/").json()
        assert (listed["day"], listed["days_completed"]) == \
            (detail["day"], detail["days_completed"])
        assert detail["day"] == detail["latest_aggregates"]["day"]
        seen.append((detail["tick"], detail["day"], detail["days_completed"]))
    assert seen == [(1, 1, 0), (2, 1, 0), (3, 1, 0), (4, 1, 1), (5, 2, 1), (6, 2, 1)]


def test_ordinary_users_get_403_on_operator_endpoints(simulation, owner_client):
    base = f"/api/simulations/{simulation.pk}"
    calls = [("post", "/api/simulations/", {"name": "x"}), ("post", f"{base}/run_day/", {}),
             ("post", f"{base}/pause/", {}), ("post", f"{base}/resume/", {}),
             ("get", f"{base}/shocks/", None), ("post", f"{base}/shocks/", {"type": "income"}),
             ("get", f"{base}/schedules/", None), ("get", "/api/tasks/abc/", None)]
    for method, url, body in calls:
        response = getattr(owner_client, method)(url, body, format="json")
        assert response.status_code == 403, url
    assert Simulation.objects.get(pk=simulation.pk).status == "running"


def test_operator_creates_a_simulation_and_bad_config_names_the_field(operator_client):
    created = operator_client.post("/api/simulations/", {
        "name": "api-world", "config": {"n_households": 50, "n_firms": 5, "n_banks": 2},
        "seed": 3}, format="json")
    assert created.status_code == 201, created.json()
    simulation = Simulation.objects.get(name="api-world")
    assert simulation.agents.filter(agent_type="household").count() == 50
    bad = operator_client.post("/api/simulations/", {"name": "bad",
                                                      "config": {"n_firms": -1}}, format="json")
    assert bad.status_code == 400 and _fields(bad) == {"n_firms"}
    twice = operator_client.post("/api/simulations/", {"name": "api-world"}, format="json")
    assert twice.status_code == 400 and _fields(twice) == {"name"}


def test_agents_filter_and_claim_within_the_per_user_limit(simulation, owner_client,
                                                         other_user):
    base = f"/api/simulations/{simulation.pk}/agents"
    firms = owner_client.get(f"{base}/?type=firm&free=true").json()
    assert firms["count"] == 10
    ids = [row["id"] for row in firms["results"]]
    for agent_id in ids[:3]:
        assert owner_client.post(f"{base}/{agent_id}/claim/").status_code == 200
    over = owner_client.post(f"{base}/{ids[3]}/claim/")
    assert over.status_code == 400 and over.json()["errors"][0]["rule"] == "limit"
    mine = owner_client.get(f"{base}/?owner=me").json()
    assert sorted(row["id"] for row in mine["results"]) == sorted(ids[:3])
    assert all(row["owner"] == "owner" for row in mine["results"])
    other = APIClient()
    other.force_authenticate(other_user)
    taken = other.post(f"{base}/{ids[0]}/claim/")
    assert taken.status_code == 400 and taken.json()["errors"][0]["rule"] == "taken"
    assert Agent.objects.get(pk=ids[0]).owner.username == "owner"
    bad = owner_client.get(f"{base}/?type=dragon")
    assert bad.status_code == 400 and _fields(bad) == {"type"}


@pytest.mark.services  # PostgreSQL (query counts, advisory locks) or Redis (flush)
def test_state_comes_from_the_cache_and_survives_a_flush(simulation, owner_client):
    first = owner_client.get(f"/api/simulations/{simulation.pk}/state/").json()
    assert first["tick"] == 0 and "cpi" in first["public"]
    cache.delete_pattern("*")
    again = owner_client.get(f"/api/simulations/{simulation.pk}/state/").json()
    assert again == first
    assert cache.get(f"sim:{simulation.pk}:state") == first


def test_run_day_queues_a_run_and_reports_its_progress(simulation, operator_client,
                                                       django_capture_on_commit_callbacks):
    base = f"/api/simulations/{simulation.pk}"
    bad = operator_client.post(f"{base}/run_day/", {"ticks": 0}, format="json")
    assert bad.status_code == 400 and _fields(bad) == {"ticks"}
    with django_capture_on_commit_callbacks() as queued:
        response = operator_client.post(f"{base}/run_day/", {"ticks": 3}, format="json")
    assert response.status_code == 202
    assert len(queued) == 1  # sent to the broker only once committed
    run = DayRun.objects.get(pk=response.json()["id"])
    assert (run.expected_tick, run.ticks_requested, run.mode, run.requested_via) == (
        0, 3, "ticks", "api")
    progress = operator_client.get(f"/api/tasks/{run.task_id}/").json()
    assert (progress["current"], progress["total"]) == (0, 3)
    assert progress["day_run"]["outcome"] == "queued"
    assert operator_client.get("/api/tasks/no-such-task/").status_code == 404


def test_pause_and_resume_and_a_paused_simulation_refuses_runs(simulation, operator_client):
    base = f"/api/simulations/{simulation.pk}"
    paused = operator_client.post(f"{base}/pause/").json()
    assert paused["changed"] == 1 and paused["simulation"]["status"] == "paused"
    refused = operator_client.post(f"{base}/run_day/", {}, format="json")
    assert refused.status_code == 400 and _fields(refused) == {"status"}
    assert operator_client.post(f"{base}/resume/").json()["simulation"]["status"] == "running"


def test_shocks_are_validated_by_the_engine_naming_the_field(simulation, operator_client):
    url = f"/api/simulations/{simulation.pk}/shocks/"
    cases = [({"type": "meteor"}, "type"),
             ({"type": "income", "params": {}}, "params.cents_per_household"),
             ({"type": "unemployment", "start_tick": 0}, "start_tick"),
             ({"type": "unemployment", "target": {"ids": [999]}}, "target.ids"),
             ({"type": "unemployment", "colour": "red"}, "colour")]
    for body, field in cases:
        response = operator_client.post(url, body, format="json")
        assert response.status_code == 400 and _fields(response) == {field}, body
    assert not Shock.objects.exists()
    ok = operator_client.post(url, {"type": "income", "params": {"cents_per_household": 1000},
                                    "start_tick": 2, "duration_ticks": 2}, format="json")
    assert ok.status_code == 201
    assert operator_client.get(url).json()[0]["status"] == "pending"


def test_schedules_are_created_edited_and_deleted_through_the_api(simulation, operator_client):
    url = f"/api/simulations/{simulation.pk}/schedules/"
    missing = operator_client.post(url, {"kind": "daily"}, format="json")
    assert missing.status_code == 400 and _fields(missing) == {"time_utc"}
    created = operator_client.post(url, {"kind": "daily", "time_utc": "09:00"}, format="json")
    assert created.status_code == 201
    schedule = Schedule.objects.get()
    assert schedule.periodic_task.crontab.hour == "9"
    edited = operator_client.put(f"{url}{schedule.pk}/", {"kind": "interval",
                                                          "every_minutes": 15, "ticks": 2},
                                 format="json")
    assert edited.status_code == 200
    schedule.refresh_from_db()
    assert schedule.periodic_task.interval.every == 15 and schedule.periodic_task.crontab is None
    assert operator_client.delete(f"{url}{schedule.pk}/").status_code == 204
    assert not Schedule.objects.exists()


def test_every_simulations_endpoint_is_in_the_openapi_schema(operator_client):
    paths = operator_client.get("/api/schema/?format=json").json()["paths"]
    for path in ["/api/simulations/", "/api/simulations/{simulation_id}/",
                 "/api/simulations/{simulation_id}/agents/",
                 "/api/simulations/{simulation_id}/agents/{agent_id}/claim/",
                 "/api/simulations/{simulation_id}/state/",
                 "/api/simulations/{simulation_id}/run_day/",
                 "/api/simulations/{simulation_id}/pause/",
                 "/api/simulations/{simulation_id}/resume/",
                 "/api/simulations/{simulation_id}/shocks/",
                 "/api/simulations/{simulation_id}/schedules/",
                 "/api/simulations/{simulation_id}/schedules/{schedule_id}/",
                 "/api/tasks/{task_id}/"]:
        assert path in paths, path


def test_claimed_agents_appear_in_the_users_quotas(simulation, owner, owner_client):
    from simulations.services import agent_claim

    agent = Agent.objects.filter(simulation=simulation, agent_type="firm").first()
    agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
    quotas = {q["name"]: q for q in owner_client.get("/api/me/quotas/").json()["quotas"]}
    mine = quotas[f"simulations.claimed_agents.{simulation.pk}"]
    assert (mine["used"], mine["limit"], mine["remaining"]) == (1, 3, 2)


def test_the_agents_list_costs_the_same_queries_for_10_or_100_rows(
        simulation, owner, owner_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Owned rows: an owner lookup per row would show as more queries for the larger page.
    Agent.objects.filter(simulation=simulation).update(owner=owner)
    url = f"/api/simulations/{simulation.pk}/agents/?type=household&page_size="
    counts = []
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(owner_client.get(f"{url}{size}").json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
