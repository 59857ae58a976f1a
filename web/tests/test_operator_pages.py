from __future__ import annotations

import pytest

from history.models import TickAudit
from simulations.models import DayRun, Simulation

pytestmark = pytest.mark.django_db

PAGES = ["/operator/", "/operator/live/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_users_are_refused(client, owner, path):
    client.force_login(owner)
    assert client.get(path).status_code == 403


def test_users_cannot_run_pause_or_resume(client, owner, simulation):
    client.force_login(owner)
    for action in ("run", "pause", "resume"):
        assert client.post(f"/operator/simulations/{simulation.pk}/{action}/").status_code == 403
    assert not DayRun.objects.exists()


def test_operator_sees_every_simulation_with_status_and_invariants(client, operator, simulation):
    TickAudit.objects.create(simulation=simulation, tick=1, day=1, all_passed=True,
                             invariants={}, tfm={})
    client.force_login(operator)
    html = client.get("/operator/").content.decode()
    assert f'data-testid="op-sim-{simulation.pk}"' in html
    assert "Active" in html and "all hold" in html and "last audited tick 1" in html
    assert f"/admin/history/ticklog/recent/?simulation={simulation.pk}" in html


def test_a_failed_invariant_shows(client, operator, simulation):
    for tick, passed in ((1, True), (2, False)):
        TickAudit.objects.create(simulation=simulation, tick=tick, day=1, all_passed=passed,
                                 invariants={}, tfm={})
    client.force_login(operator)
    assert "1 tick failed" in client.get("/operator/live/").content.decode()


def test_run_a_day_queues_a_day_run_and_returns_its_progress(client, operator, simulation):
    client.force_login(operator)
    response = client.post(f"/operator/simulations/{simulation.pk}/run/", {"mode": "day"},
                           HTTP_HX_REQUEST="true")
    run = DayRun.objects.get(simulation=simulation)
    assert (run.mode, run.ticks_requested, run.requested_by_id) == ("day", 2, operator.pk)
    html = response.content.decode()
    assert f'id="task-{run.task_id}"' in html and f"/operator/tasks/{run.task_id}/" in html
    task = client.get(f"/operator/tasks/{run.task_id}/", HTTP_HX_REQUEST="true")
    assert task.status_code == 200 and '<progress max="2" value="0">' in task.content.decode()


def test_fill_the_day_runs_the_ticks_left(client, operator, simulation):
    Simulation.objects.filter(pk=simulation.pk).update(tick=1)
    client.force_login(operator)
    client.post(f"/operator/simulations/{simulation.pk}/run/", {"mode": "fill"})
    assert DayRun.objects.get(simulation=simulation).ticks_requested == 1


def test_running_a_paused_simulation_says_why_not(client, operator, simulation):
    client.force_login(operator)
    response = client.post(f"/operator/simulations/{simulation.pk}/pause/",
                           HTTP_HX_REQUEST="true")
    assert 'data-testid="resume"' in response.content.decode()
    assert Simulation.objects.get(pk=simulation.pk).status == "paused"
    response = client.post(f"/operator/simulations/{simulation.pk}/run/", {"mode": "day"},
                           HTTP_HX_REQUEST="true")
    assert "resume it first" in response.content.decode()
    assert not DayRun.objects.exists()
    client.post(f"/operator/simulations/{simulation.pk}/resume/")
    assert Simulation.objects.get(pk=simulation.pk).status == "running"


def test_unknown_task_is_404(client, operator):
    client.force_login(operator)
    assert client.get("/operator/tasks/no-such-task/").status_code == 404


def test_admin_index_links_to_the_operator_dashboard(client, operator):
    client.force_login(operator)
    html = client.get("/admin/").content.decode()
    assert 'href="/operator/"' in html and "Operate the economy" in html
