from __future__ import annotations

import pytest
from django.urls import reverse

from history.models import TickAggregate
from orchestration.advance import simulation_advance
from simulations.models import DayRun, Schedule, Shock, Simulation
from web.templatetags.web_format import money

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/simulations/simulation/"


@pytest.fixture
def admin_client_op(client, operator):
    client.force_login(operator)
    return client


def _action(client, simulation, action: str, **fields):
    data = {"action": action, "_selected_action": [simulation.pk], **fields}
    return client.post(CHANGELIST, data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_run_day_shows_a_parameter_page_then_queues_the_run(admin_client_op, simulation,
                                                            django_capture_on_commit_callbacks):
    page = _action(admin_client_op, simulation, "run_day")
    assert b'name="ticks"' in page.content
    with django_capture_on_commit_callbacks() as queued:
        done = _action(admin_client_op, simulation, "run_day", apply="1", ticks="3")
    assert "Queued 1 run(s) (test-world: 3 ticks from 0)." in _messages(done)
    assert len(queued) == 1
    run = DayRun.objects.get()
    assert (run.ticks_requested, run.requested_via, run.mode) == (3, "admin", "day")


def test_fill_the_day_and_run_n_ticks(admin_client_op, simulation):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=1)
    done = _action(admin_client_op, simulation, "fill_day", apply="1", confirm="on")
    assert "test-world: 3 ticks from 1" in _messages(done)[0]
    bad = _action(admin_client_op, simulation, "run_ticks", apply="1", ticks="0")
    assert b"errorlist" in bad.content and DayRun.objects.count() == 1


def test_pause_resume_and_a_paused_simulation_refuses_a_run_on_the_form(admin_client_op,
                                                                        simulation):
    assert "Paused 1 simulation(s)." in _messages(_action(admin_client_op, simulation, "pause"))
    refused = _action(admin_client_op, simulation, "run_day", apply="1", ticks="")
    assert b"paused; resume it first" in refused.content
    assert not DayRun.objects.exists()
    assert "Resumed 1" in _messages(_action(admin_client_op, simulation, "resume"))[0]


def test_apply_a_shock_with_engine_errors_on_the_field(admin_client_op, simulation):
    bad = _action(admin_client_op, simulation, "apply_shock", apply="1", type="income",
                  params="{}", duration_ticks="1", target='{"all": true}')
    assert bad.context["form"].errors == {
        "params": ["cents_per_household: required"]}
    good = _action(admin_client_op, simulation, "apply_shock", apply="1", type="income",
                   params='{"cents_per_household": 500}', duration_ticks="2",
                   target='{"all": true}')
    assert "Scheduled 1 income shock(s) from tick 1." in _messages(good)
    assert Shock.objects.get().params == {"cents_per_household": 500}


def test_reset_to_a_day_goes_back_and_later_runs_repeat_the_same_ticks(admin_client_op,
                                                                       simulation):
    from history.models import TickAudit

    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=6)
    before = list(TickAudit.objects.order_by("tick").values_list("state_hash", flat=True))
    bad = _action(admin_client_op, simulation, "reset_to_day", apply="1", day="5")
    assert "day" in bad.context["form"].errors
    done = _action(admin_client_op, simulation, "reset_to_day", apply="1", day="1")
    assert "Reset 1 simulation(s) to tick 4." in _messages(done)
    assert Simulation.objects.get(pk=simulation.pk).tick == 4
    assert TickAudit.objects.count() == 4
    simulation_advance(simulation_id=simulation.pk, expected_tick=4, ticks=2)
    assert list(TickAudit.objects.order_by("tick").values_list("state_hash",
                                                               flat=True)) == before


def test_archive_hides_and_stops_the_simulation(admin_client_op, simulation, owner_client):
    done = _action(admin_client_op, simulation, "archive", apply="1", confirm="on")
    assert "Archived 1 simulation(s); their schedules are off." in _messages(done)
    assert Simulation.objects.get(pk=simulation.pk).archived_at is not None
    assert owner_client.get("/api/simulations/").json() == []


def test_the_console_shows_progress_aggregates_invariants_and_the_log_download(
        admin_client_op, simulation):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    DayRun.objects.create(simulation=simulation, expected_tick=2, ticks_requested=4,
                          ticks_done=1, outcome="running")
    DayRun.objects.create(simulation=simulation, expected_tick=0, ticks_requested=4,
                          outcome="failed", error="InvariantViolation: I3: demo")
    page = admin_client_op.get(reverse("admin:simulations_simulation_console",
                                       args=[simulation.pk]))
    text = page.content.decode()
    assert "<strong>1 / 4</strong>" in text
    assert "all invariants hold" in text and "(2 ticks audited, 0 failed)" in text
    assert "InvariantViolation: I3: demo" in text
    assert f"?simulation={simulation.pk}&amp;ticks=100" in text
    assert "Unemployment rate" in text and "unemployment_rate" not in text
    latest = TickAggregate.objects.get(simulation=simulation, tick=2).data
    assert f"<th>GDP</th><td class=\"num\">{money(latest['gdp'])}</td>" in text  # not raw cents


def test_creating_a_simulation_in_the_admin_builds_its_world(admin_client_op):
    url = "/admin/simulations/simulation/add/"
    form = {"name": "admin-world", "scenario": "baseline", "seed": "1", "ticks_per_day": "4",
            "max_agents_per_user": "3", "status": "paused",
            "schedules-TOTAL_FORMS": "1", "schedules-INITIAL_FORMS": "0",
            "schedules-0-kind": "daily", "schedules-0-time_utc": "09:00",
            "schedules-0-enabled": "on"}
    bad = admin_client_op.post(url, {**form, "config": '{"n_firms": 0}'})
    assert "n_firms" in str(bad.context["adminform"].form.errors["config"])
    admin_client_op.post(url, {**form, "config": '{"n_households": 40, "n_firms": 4, '
                                                 '"n_banks": 2}'})
    simulation = Simulation.objects.get(name="admin-world")
    assert simulation.agents.count() == 40 + 4 + 2 + 2
    assert simulation.checkpoints.get().tick == 0
    schedule = Schedule.objects.get(simulation=simulation)
    assert schedule.periodic_task.crontab.hour == "9"
