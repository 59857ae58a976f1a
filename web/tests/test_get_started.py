"""The first-run path through the Django test client: each step's state and reason, the home
page's words for visitors, new and returning users, and where sign-up and log-in land."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.tests.factories import PASSWORD
from orchestration.advance import simulation_advance
from scripts_lib.models import Mount, Script
from simulations.models import Agent, DayRun, Schedule, Simulation
from simulations.schedules import schedule_save
from web.get_started import next_day_text

pytestmark = pytest.mark.django_db


def _states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="step-(\w+)" data-state="(\w+)"', html))


def test_the_page_needs_login(client):
    response = client.get("/get-started/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_new_user_is_led_step_by_step_to_the_first_tick(client, other_user, simulation):
    client.force_login(other_user)
    html = client.get("/get-started/").content.decode()
    assert _states(html) == {"claim": "next", "script": "blocked", "dry_run": "blocked",
                             "mount": "blocked", "first_tick": "blocked"}
    assert "Claim an agent first." in html
    assert "web-world" in html

    client.post("/get-started/claim/", {"simulation": simulation.pk, "agent_type": "household"})
    agent = Agent.objects.get(owner=other_user)
    html = client.get("/get-started/").content.decode()
    assert _states(html)["claim"] == "done" and _states(html)["script"] == "next"
    assert "Buffer-stock household" in html  # the example for households

    client.post("/get-started/script/")
    script = Script.objects.get(owner=other_user)
    assert script.agent_type == "household" and script.versions.count() == 1
    assert "def decide(obs)" in script.versions.get().source
    html = client.get("/get-started/").content.decode()
    assert _states(html)["script"] == "done" and _states(html)["dry_run"] == "next"
    assert _states(html)["mount"] == "blocked" and "Dry-run the script first" in html
    # Mounting before a dry run is refused and changes nothing.
    client.post("/get-started/mount/")
    assert not Mount.objects.filter(agent=agent).exists()

    client.post("/get-started/dry-run/")
    html = client.get("/get-started/").content.decode()
    assert _states(html)["dry_run"] == "done" and _states(html)["mount"] == "next"
    assert "Valid decision" in html and "spend share" in html  # the script's own print

    client.post("/get-started/mount/")
    mount = Mount.objects.get(agent=agent, active=True)
    html = client.get("/get-started/").content.decode()
    assert _states(html)["mount"] == "done" and _states(html)["first_tick"] == "next"
    assert "first decides at tick 1; the simulation is at tick 0" in html
    assert 'hx-trigger="every 5s"' in html  # the last step polls while it waits

    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    html = client.get("/get-started/first-tick/").content.decode()
    assert 'data-state="done"' in html and "hx-trigger" not in html
    assert "Tick 1 has run" in html and "spend share" in html
    assert "consume_share" in html
    html = client.get("/get-started/").content.decode()
    assert set(_states(html).values()) == {"done"}
    assert mount.since_tick == 1


def test_repeating_the_starter_does_not_copy_it_twice(client, owner, household):
    client.force_login(owner)
    client.post("/get-started/script/")
    client.post("/get-started/script/")
    assert Script.objects.filter(owner=owner).count() == 1
    assert Script.objects.get(owner=owner).versions.count() == 1


def test_a_failed_dry_run_keeps_mounting_blocked(client, owner, household):
    client.force_login(owner)
    client.post("/get-started/script/")
    script = Script.objects.get(owner=owner)
    from scripts_lib.services import script_version_create
    script_version_create(script=script, user=owner,
                          source='def decide(obs):\n    return {"consume_share": 7}\n')
    client.post("/get-started/dry-run/")
    html = client.get("/get-started/").content.decode()
    assert _states(html)["dry_run"] == "next"
    assert "did not give a valid decision" in html and "Decision rejected" in html
    assert _states(html)["mount"] == "blocked"
    client.post("/get-started/mount/")
    assert not Mount.objects.filter(agent=household).exists()


def test_claiming_is_blocked_with_a_reason_when_nothing_is_free(client, other_user, simulation):
    simulation.status = Simulation.Status.PAUSED
    simulation.save(update_fields=["status"])
    client.force_login(other_user)
    html = client.get("/get-started/").content.decode()
    assert _states(html)["claim"] == "blocked"
    assert "No running simulation has a free agent you may claim" in html


def test_a_paused_simulation_blocks_the_first_tick(client, owner, household, version):
    from scripts_lib.services import mount_create
    mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                 version_id=version.pk, user=owner)
    Simulation.objects.filter(pk=household.simulation_id).update(
        status=Simulation.Status.PAUSED)
    client.force_login(owner)
    html = client.get("/get-started/").content.decode()
    assert _states(html)["first_tick"] == "blocked" and "The simulation is paused" in html


def test_the_next_day_is_told_from_the_schedule(simulation):
    assert "No day is scheduled" in next_day_text(simulation=simulation)
    schedule = schedule_save(simulation_id=simulation.pk, kind=Schedule.Kind.INTERVAL,
                             every_minutes=10)
    now = timezone.now()
    PeriodicTask.objects.filter(pk=schedule.periodic_task_id).update(
        last_run_at=now - dt.timedelta(minutes=4))
    due = (now + dt.timedelta(minutes=6)).astimezone(dt.UTC).strftime("%H:%M")
    assert next_day_text(simulation=simulation, now=now) == (
        f"The next scheduled day is due at {due} UTC, in about 6 min.")
    assert "overdue" in next_day_text(simulation=simulation,
                                      now=now + dt.timedelta(minutes=20))
    # Beat saves its last firing lazily; the run the firing made counts as soon as it exists.
    DayRun.objects.create(simulation=simulation, schedule=schedule, expected_tick=0,
                          ticks_requested=2, outcome=DayRun.Outcome.SUCCEEDED,
                          requested_via=DayRun.Via.SCHEDULE)
    later = timezone.now() + dt.timedelta(minutes=8)
    assert "in about 2 min" in next_day_text(simulation=simulation, now=later)
    daily = dt.time(3, 30)
    schedule_save(simulation_id=simulation.pk, kind=Schedule.Kind.DAILY, time_utc=daily,
                  schedule_id=schedule.pk)
    at = dt.datetime(2025, 1, 1, 3, 0, tzinfo=dt.UTC)
    assert "due at 03:30 UTC, in about 30 min" in next_day_text(simulation=simulation, now=at)


def test_home_speaks_to_visitors_new_users_and_returning_users(client, owner, other_user,
                                                              household, version):
    html = client.get("/").content.decode()
    assert "How it works" in html and "/accounts/signup/" in html and "Welcome" not in html

    client.force_login(other_user)
    html = client.get("/").content.decode()
    assert "Welcome back" not in html
    assert re.search(r'href="/get-started/" data-testid="home-next"', html)

    from scripts_lib.services import mount_create
    mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                 version_id=version.pk, user=owner)
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Welcome back" in html
    assert re.search(r'href="/dashboard/" data-testid="home-next"', html)


def test_sign_up_lands_on_get_started_and_log_in_where_the_user_belongs(
        client, owner, household, version, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    response = client.post("/accounts/signup/", {
        "username": "newbie", "email": "newbie@example.com",
        "password1": "animal-spirits-1936", "password2": "animal-spirits-1936"})
    assert response.status_code == 302 and response["Location"] == "/get-started/"
    client.logout()

    def log_in() -> str:
        response = client.post("/accounts/login/", {"login": "owner", "password": PASSWORD},
                               follow=True)
        client.logout()
        return response.redirect_chain[-1][0]

    assert log_in() == "/get-started/"  # an agent but no script mounted yet
    from scripts_lib.services import mount_create
    mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                 version_id=version.pk, user=owner)
    assert log_in() == "/dashboard/"
