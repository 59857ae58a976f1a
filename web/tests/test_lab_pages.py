# ruff: noqa: F811  (the lab_world fixture is imported and requested by name)
"""The strategy lab's pages: the list, the form (pre-filled from the editor and from an
archived day; hostile input shown at its field, nothing created), one backtest's results, and
another user's backtest being the 404 page."""

from __future__ import annotations

import json
import re

import pytest

from lab.models import Backtest
from lab.services import backtest_arm_run
from lab.tests.conftest import lab_world  # noqa: F401
from simulations.models import Agent
from simulations.tests.conftest import simulation  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def _checked(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="(\w+)"[^>]*checked', html)


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    found = re.search(r'<option value="(\d*)" selected>', select.group()) if select else None
    return found.group(1) if found else None


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'<input type="\w+" name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else None


def _post(lab, **changes) -> dict:
    body = {"version": lab["v2"].pk, "source": "archive", "agent": lab["agent"].pk,
            "start_day": 1, "ticks": 4, "arms": ["candidate", "mounted", "baseline"]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_the_editors_button_opens_the_form_prefilled(client_of, lab_world, owner):
    client = client_of(owner)
    editor = client.get(f"/scripts/{lab_world['script'].pk}/").content.decode()
    link = re.search(r'href="(/lab/new/\?version=\d+)" data-testid="backtest-v2"', editor)
    assert link is not None
    html = client.get(link.group(1)).content.decode()
    assert _selected(html, "version") == str(lab_world["v2"].pk)
    assert _selected(html, "agent") == str(lab_world["agent"].pk)
    assert _value(html, "start_day") == "2"  # the last day end (tick 8, 4 ticks a day)
    assert _value(html, "ticks") == "4"  # one day
    assert _checked(html, "arms") == ["candidate", "mounted", "baseline"]


def test_replay_this_day_from_the_agent_page_prefills_that_day(client_of, lab_world,
                                                                owner):
    client = client_of(owner)
    page = client.get(f"/agents/{lab_world['agent'].pk}/").content.decode()
    assert 'data-testid="replay-day-1"' in page and 'data-testid="replay-day-2"' in page
    link = re.search(r'href="([^"]+)" data-testid="replay-day-2"', page).group(1)
    html = client.get(link.replace("&amp;", "&")).content.decode()
    assert _value(html, "start_day") == "1"
    assert _selected(html, "agent") == str(lab_world["agent"].pk)
    # The version that drove the agent that day (v1) is the candidate.
    assert _selected(html, "version") == str(lab_world["v1"].pk)


def test_a_valid_form_creates_one_backtest_and_redirects_to_it(client_of, lab_world,
                                                                owner):
    response = client_of(owner).post("/lab/new/", _post(lab_world))
    backtest = Backtest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lab/{backtest.pk}/"
    assert (backtest.start_tick, backtest.ticks, backtest.agent_engine_id) == (4, 4, 0)
    assert [a.kind for a in backtest.arms.order_by("index")] == ["candidate", "mounted",
                                                                 "baseline"]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"start_day": 3}, "start_day", "Start at a day end the simulation has reached"),
    ({"start_day": -1}, "start_day", "greater than or equal to 0"),
    ({"start_day": "10" * 20}, "start_day", ""),
    ({"start_day": None}, "start_day", "Give the day to start after."),
    ({"ticks": 0}, "ticks", "greater than or equal to 1"),
    ({"ticks": 97}, "ticks", "From 1 to 96 ticks."),
    ({"ticks": "lots"}, "ticks", ""),
    ({"arms": []}, "arms", "From 1 to 4 arms."),
    ({"arms": ["everything"]}, "arms", "not one of the available choices"),
    ({"agent": None}, "agent", "Choose one of your agents."),
    ({"version": 999999}, "version", "not one of the available choices"),
    ({"source": "moon"}, "source", "not one of the available choices"),
    ({"source": "fresh", "world_agent": 10_000}, "world_agent", "agents of the script's type"),
    ({"source": "fresh", "n_households": 10**9}, "n_households", "At most"),
    ({"source": "fresh", "scenario": "utopia"}, "scenario", "not one of the available choices"),
])
def test_hostile_input_is_shown_at_its_field_and_creates_nothing(client_of, lab_world,
                                                                  owner, changes, field, words):
    response = client_of(owner).post("/lab/new/", _post(lab_world, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(rf'data-testid="errors-{field}">(.*?)</ul>', html, re.S)
    assert errors is not None, html[:2000]
    assert words in errors.group(1).replace("&#x27;", "'")
    assert not Backtest.objects.exists()


def test_another_users_agent_and_version_are_refused_at_their_field(client_of,
                                                                     lab_world, other_user):
    theirs = Agent.objects.get(simulation=lab_world["simulation"], agent_type="firm",
                               engine_id=2)
    response = client_of(other_user).post("/lab/new/", _post(lab_world, agent=theirs.pk))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="errors-version"' in html  # the owner's version is not theirs
    response = client_of(other_user).post("/lab/new/", _post(
        lab_world, agent=lab_world["agent"].pk))
    assert 'data-testid="errors-agent"' in response.content.decode()
    assert not Backtest.objects.exists()


def _finished_backtest(client, lab) -> Backtest:
    client.post("/lab/new/", _post(lab))
    backtest = Backtest.objects.get()
    for arm in backtest.arms.order_by("index"):
        assert backtest_arm_run(arm_id=arm.pk) == "succeeded"
    backtest.refresh_from_db()
    assert backtest.status == "succeeded"
    return backtest


def test_the_results_page_reads_every_arm(client_of, lab_world, owner):
    client = client_of(owner)
    backtest = _finished_backtest(client, lab_world)
    html = client.get(f"/lab/{backtest.pk}/").content.decode()
    assert "As archived: 4 of 4 ticks reproduce the archived state." in html
    assert html.count('data-testid="summary-row"') == 3
    charts = json.loads(re.search(r'<script id="lab-charts" type="application/json">(.*?)'
                                  "</script>", html, re.S).group(1))
    assert charts["ticks"] == [5, 6, 7, 8]
    keys = [c["key"] for c in charts["charts"]]
    assert keys == ["score", "net_worth", "income", "consumption", "macro_gdp",
                    "macro_unemployment_rate", "macro_cpi"]
    assert all(len(c["series"]) == (2 if c["key"].startswith("macro") else 3)
               for c in charts["charts"])
    # The candidate's ticks: its printed output and its decision, in words.
    assert html.count('data-testid="tick-row"') == 4
    # It starts from the memory the mount held at the start (4 calls on day 1).
    assert "v2 call 5" in html and "consume_share: 0.1" in html
    assert f'href="/api/backtests/{backtest.pk}/series/?format=csv"' in html
    mounted = client.get(f"/lab/{backtest.pk}/?arm=1").content.decode()
    assert "Accepted (as archived)" in mounted and "consume_share: 0.6" in mounted
    listing = client.get("/lab/").content.decode()
    assert f'href="/lab/{backtest.pk}/"' in listing and 'data-status="succeeded"' in listing


def test_a_running_backtest_polls_and_can_be_cancelled(client_of, lab_world, owner):
    client = client_of(owner)
    client.post("/lab/new/", _post(lab_world))
    backtest = Backtest.objects.get()
    html = client.get(f"/lab/{backtest.pk}/").content.decode()
    assert f'hx-get="/lab/{backtest.pk}/progress/" hx-trigger="every 2s"' in html
    assert 'hx-trigger="every 2s"' in client.get("/lab/").content.decode()
    response = client.post(f"/lab/{backtest.pk}/cancel/")
    assert response.status_code == 302
    backtest.refresh_from_db()
    assert backtest.status == "cancelled"
    progress = client.get(f"/lab/{backtest.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    assert "It was cancelled" in progress.content.decode()


def test_another_users_backtest_is_the_404_page(client_of, lab_world, owner,
                                                other_user):
    backtest = _finished_backtest(client_of(owner), lab_world)
    client = client_of(other_user)
    for response in (client.get(f"/lab/{backtest.pk}/"),
                     client.get(f"/lab/{backtest.pk}/progress/"),
                     client.post(f"/lab/{backtest.pk}/cancel/")):
        assert response.status_code == 404
        assert "404" in response.content.decode()
    assert f"/lab/{backtest.pk}/" not in client.get("/lab/").content.decode()
