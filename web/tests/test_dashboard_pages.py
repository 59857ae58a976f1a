from __future__ import annotations

import re

import pytest

from orchestration.advance import simulation_advance
from simulations.models import Agent, DayRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/tab/agents/", "/dashboard/live/",
                                  "/dashboard/economy/1/series/"])
def test_dashboard_needs_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_owner_sees_their_agent_with_its_balance_sheet(client, owner, household):
    client.force_login(owner)
    html = client.get("/dashboard/").content.decode()
    assert 'data-testid="agent-household-3"' in html
    assert "Net worth" in html and "net_worth" not in html and "web-world" in html
    assert 'id="live"' in html and 'id="tab-panel"' in html


def test_another_user_does_not_see_the_owners_agent(client, other_user, household):
    client.force_login(other_user)
    html = client.get("/dashboard/").content.decode()
    assert "web-world" in html  # the simulation is open to everyone to claim in
    assert 'data-testid="agent-household-3"' not in html
    assert "You have no agent here yet" in html


def test_claiming_takes_the_first_free_agent_of_the_type(client, other_user, simulation):
    client.force_login(other_user)
    response = client.post("/dashboard/claim/", {"simulation": simulation.pk,
                                                 "agent_type": "firm"}, follow=True)
    assert Agent.objects.get(owner=other_user).ref == ("firm", 0)
    assert "You now own firm:0 in web-world." in response.content.decode()


def test_claiming_someone_elses_agent_says_it_is_taken(client, other_user, household):
    client.force_login(other_user)
    response = client.post("/dashboard/claim/", {"simulation": household.simulation_id,
                                                 "agent_type": "household", "engine_id": 3},
                           follow=True)
    assert "Another user has claimed this agent." in response.content.decode()
    assert household.owner_id != other_user.pk
    assert not Agent.objects.filter(owner=other_user).exists()


def test_claims_stop_at_the_simulations_limit(client, owner, simulation):
    simulation.max_agents_per_user = 1
    simulation.save(update_fields=["max_agents_per_user"])
    client.force_login(owner)
    client.post("/dashboard/claim/", {"simulation": simulation.pk, "agent_type": "household"})
    response = client.post("/dashboard/claim/", {"simulation": simulation.pk,
                                                 "agent_type": "firm"}, follow=True)
    assert "At most 1 agents per user" in response.content.decode()
    assert Agent.objects.filter(owner=owner).count() == 1


def test_a_tab_partial_is_only_the_panel(client, owner, household, version):
    client.force_login(owner)
    html = client.get("/dashboard/tab/scripts/", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="tab-panel"')
    assert "<html" not in html and "saver" in html
    assert 'data-testid="tab-failures"' in html  # the tab bar comes with the panel
    assert 'data-testid="tab-scripts" aria-selected="true"' in html
    assert client.get("/dashboard/tab/nope/").status_code == 404


def test_live_strip_shows_a_running_day_and_polls_fast(client, owner, household):
    DayRun.objects.create(simulation=household.simulation, expected_tick=0, ticks_requested=2,
                          ticks_done=1, outcome=DayRun.Outcome.RUNNING)
    client.force_login(owner)
    html = client.get("/dashboard/live/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="run-progress"' in html
    assert '<progress max="2" value="1">' in html
    assert 'hx-trigger="every 2s"' in html


def test_live_strip_announces_a_tick_only_when_the_world_moved(client, owner, household):
    client.force_login(owner)
    first = client.get("/dashboard/live/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 10s"' in first.content.decode()
    signature = first.content.decode().split('data-signature="')[1].split('"')[0]
    same = client.get("/dashboard/live/", {"sig": signature}, HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in same
    simulation_advance(simulation_id=household.simulation_id, expected_tick=0, ticks=2)
    moved = client.get("/dashboard/live/", {"sig": signature}, HTTP_HX_REQUEST="true")
    assert moved["HX-Trigger"] == "econsim-tick"
    # A whole day ran: its notification reaches the top bar's bell out of band.
    html = moved.content.decode()
    assert 'hx-swap-oob="outerHTML:.topbar .bell"' in html
    assert '<span class="bell-count">1</span>' in html


def test_economy_series_for_a_participant(client, owner, household):
    simulation_advance(simulation_id=household.simulation_id, expected_tick=0, ticks=3)
    client.force_login(owner)
    url = f"/dashboard/economy/{household.simulation_id}/series/"
    data = client.get(url).json()
    assert data["ticks"] == [1, 2, 3]
    assert data["days"] == [1, 1, 2]
    keys = {chart: [s["key"] for s in series] for chart, series in data["charts"].items()}
    assert keys["gdp"] == ["gdp"] and keys["unemployment"] == ["unemployment_rate"]
    assert "policy_rate" in keys["rates"] and keys["debt"] == ["government_debt"]
    assert len(data["charts"]["gdp"][0]["data"]) == 3
    now = data["rates_now"]
    assert now["tick"] == 3 and set(now) == {"tick", "policy_rate", "avg_loan_rate",
                                             "avg_deposit_rate"}
    assert now["avg_loan_rate"] > now["avg_deposit_rate"] >= 0  # percent, banks' spread
    assert client.get(url, {"tick_from": 2}).json()["ticks"] == [2, 3]
    assert client.get(url, {"day_to": 1}).json()["ticks"] == [1, 2]


def _without_tokens(response) -> str:
    """A page minus its per-response CSRF tokens and the language form's return path."""
    html = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1",
                  response.content.decode())
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", html)


def test_economy_series_refuses_outsiders_and_bad_ranges(client, other_user, operator,
                                                         household):
    url = f"/dashboard/economy/{household.simulation_id}/series/"
    client.force_login(other_user)
    stranger = client.get(url)
    missing = client.get(f"/dashboard/economy/{household.simulation_id + 10**6}/series/")
    assert stranger.status_code == missing.status_code == 404  # existence is not revealed
    assert _without_tokens(stranger) == _without_tokens(missing)
    client.force_login(operator)
    assert client.get(url).status_code == 200
    response = client.get(url, {"tick_from": "soon"})
    assert response.status_code == 400
    assert "tick_from" in response.json()["errors"]


def test_economy_tab_lists_only_simulations_i_take_part_in(client, owner, other_user, household):
    client.force_login(owner)
    html = client.get("/dashboard/?tab=economy").content.decode()
    assert 'data-chart="gdp"' in html and f"/dashboard/economy/{household.simulation_id}/" in html
    client.force_login(other_user)
    html = client.get("/dashboard/tab/economy/").content.decode()
    assert 'data-chart="gdp"' not in html
    assert "Claim an agent in a simulation" in html


def test_failures_tab_lists_my_failures(client, owner, household, version):
    from scripts_lib.models import ScriptFailure

    ScriptFailure.objects.create(simulation=household.simulation, tick=4, agent=household,
                                 version=version, owner=owner, kind="exception",
                                 message="ZeroDivisionError: division by zero")
    client.force_login(owner)
    html = client.get("/dashboard/?tab=failures").content.decode()
    assert "ZeroDivisionError" in html and "saver v1" in html


def test_the_polled_live_strip_costs_a_fixed_number_of_queries(client, owner, household,
                                                                django_assert_max_num_queries):
    DayRun.objects.create(simulation=household.simulation, expected_tick=0, ticks_requested=2,
                          outcome=DayRun.Outcome.RUNNING)
    client.force_login(owner)
    with django_assert_max_num_queries(6):  # session, user, runs, ticks, profile, bell
        client.get("/dashboard/live/", {"sig": "x"}, HTTP_HX_REQUEST="true")


def test_operators_have_a_dashboard_too(client, operator, household):
    client.force_login(operator)
    html = client.get("/dashboard/").content.decode()
    assert "web-world" in html and 'href="/operator/"' in html
    assert 'data-testid="agent-household-3"' not in html  # not theirs


def test_a_mounted_agent_shows_its_last_accepted_decision(client, owner, household, version):
    from scripts_lib.services import mount_create

    mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                 version_id=version.pk, user=owner)
    simulation_advance(simulation_id=household.simulation_id, expected_tick=0, ticks=2)
    client.force_login(owner)
    html = client.get("/dashboard/tab/agents/").content.decode()
    assert 'data-testid="last-decision"' in html
    assert "Decision at tick 2:" in html and "consume_share: 0.5" in html


def test_pages_name_the_day_of_the_tick_and_the_days_completed(client, owner, operator,
                                                                household):
    """Tick 5 at two ticks a day is in day 3, with 2 days completed: the pages say both,
    with the same `day` as the API and the history rows."""
    simulation_advance(simulation_id=household.simulation_id, expected_tick=0, ticks=5)
    client.force_login(owner)
    html = client.get("/dashboard/").content.decode()
    assert "Tick 5, day 3; 2 days completed (2 ticks a day)." in html
    client.force_login(operator)
    assert "tick 5, day 3" in client.get("/operator/").content.decode()
    console = client.get(f"/admin/simulations/simulation/{household.simulation_id}/console/")
    assert "day 3, 2 day(s) completed, 1 tick(s) to the next day end" in \
        console.content.decode()
