"""The agent page (/agents/<id>/): balance-sheet history, trades, ledger and script history of
one's own agent, filtered and paged; nobody else's."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from orchestration.runs import day_run_execute
from scripts_lib.services import (
    mount_create,
    rotation_schedule,
    script_create,
    script_version_create,
)
from simulations.models import Agent, DayRun
from simulations.services import agent_claim
from web import agent_page

pytestmark = pytest.mark.django_db

V1 = """\
def decide(obs):
    print("saving at", obs["tick"])
    if obs["tick"] == 2:
        return {"consume_share": 5.0}
    return {"consume_share": 0.5}
"""
V2 = 'def decide(obs):\n    print("v2 at", obs["tick"])\n    return {"consume_share": 0.6}\n'


def _run_day(simulation) -> None:
    simulation.refresh_from_db()
    run = DayRun.objects.create(simulation=simulation, expected_tick=simulation.tick,
                                ticks_requested=simulation.ticks_per_day)
    assert day_run_execute(day_run_id=run.pk).outcome == "succeeded"


@pytest.fixture
def world(simulation, owner, other_user, operator):
    """Household 0 of the owner runs v1 on days 1 and 2, v2 on day 3 (6 ticks: days end
    every 2 ticks). The other user owns household 1."""
    agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=0)
    theirs = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=1)
    agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
    agent_claim(simulation_id=simulation.pk, agent_id=theirs.pk, user_id=other_user.pk)
    script = script_create(owner=owner, name="saver", agent_type="household")
    v1 = script_version_create(script=script, source=V1, user=owner)
    v2 = script_version_create(script=script, source=V2, user=owner)
    mount = mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=v1.pk,
                         user=owner)
    _run_day(simulation)
    rotation_schedule(simulation_id=simulation.pk, mount_id=mount.pk, version_id=v2.pk,
                      user=owner)
    _run_day(simulation)
    _run_day(simulation)
    return {"agent": agent, "theirs": theirs, "v1": v1, "v2": v2, "simulation": simulation}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _testids(html: str, name: str) -> int:
    return len(re.findall(rf'data-testid="{name}"', html))


def test_the_owner_sees_every_tick_of_the_balance_sheet_and_a_csv_link(world, owner):
    page = _client(owner).get(f"/agents/{world['agent'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert _testids(html, "balance-row") == 6  # claimed from tick 0: a row every tick
    assert 'data-points="6"' in html
    assert "/history/balance/?agent=household%3A0&amp;format=csv" in html
    # the dashboard card leads here
    dashboard = _client(owner).get("/dashboard/").content.decode()
    assert f'href="/agents/{world["agent"].pk}/"' in dashboard


def test_the_script_history_spans_the_version_switch_and_filters_by_version(world, owner):
    client, url = _client(owner), f"/agents/{world['agent'].pk}/"
    html = client.get(url, {"tab": "script"}).content.decode()
    assert _testids(html, "script-row") == 6
    assert html.count("saver v1</a>") == 4 and html.count("saver v2</a>") == 2
    assert 'data-outcome="rejected"' in html and "consume_share" in html
    assert "saving at 3" in html and "v2 at 6" in html
    old = client.get(url, {"tab": "script", "version": world["v1"].pk}).content.decode()
    assert _testids(old, "script-row") == 4 and "saver v2</a>" not in old


def test_trades_and_ledger_are_the_agents_own_and_filter_by_market_and_kind(world, owner):
    client, url = _client(owner), f"/agents/{world['agent'].pk}/"
    trades = client.get(url, {"tab": "trades"}).content.decode()
    assert _testids(trades, "trade-row") > 0
    goods = client.get(url, {"tab": "trades", "market": "goods", "tick_from": 3,
                             "tick_to": 6}).content.decode()
    assert _testids(goods, "trade-row") > 0
    assert "market=goods" in goods and "tick_from=3" in goods  # the CSV link keeps the filters
    ledger = client.get(url, {"tab": "ledger", "kind": "CONSUMPTION"}).content.decode()
    rows = _testids(ledger, "ledger-row")
    assert rows > 0 and ledger.count('<code class="small">CONSUMPTION</code>') == rows


def test_pages_follow_a_cursor_and_come_back_to_the_first(world, owner, monkeypatch):
    client, url = _client(owner), f"/agents/{world['agent'].pk}/"
    monkeypatch.setattr(agent_page, "PAGE_ROWS", 4)
    first = client.get(url, {"tab": "script"}).content.decode()
    assert _testids(first, "script-row") == 4
    next_url = re.search(r'href="([^"]+)" data-testid="agent-next-page"', first).group(1)
    second = client.get(next_url.replace("&amp;", "&")).content.decode()
    assert _testids(second, "script-row") == 2
    assert 'data-testid="agent-first-page"' in second
    assert ">5</td>" in second and ">1</td>" not in second


def test_another_users_agent_and_a_missing_one_are_the_404_page_operators_see_it(
        world, other_user, operator, owner):
    theirs = _client(other_user).get(f"/agents/{world['agent'].pk}/")
    missing = _client(other_user).get("/agents/999999999/")
    assert theirs.status_code == missing.status_code == 404
    assert _client(operator).get(f"/agents/{world['agent'].pk}/",
                                 {"tab": "script"}).status_code == 200
    assert _client(owner).get(f"/agents/{world['theirs'].pk}/").status_code == 404


@pytest.mark.parametrize("params", [
    {"tick_from": "9", "tick_to": "2"}, {"tick_from": "²"}, {"tab": "trades", "market": "gold"},
    {"tick_to": str(2**63)}, {"cursor": "%%%"}, {"tab": "script", "version": "0"},
])
def test_hostile_filters_are_a_400_page_that_says_why(world, owner, params):
    page = _client(owner).get(f"/agents/{world['agent'].pk}/", params)
    assert page.status_code == 400
    assert 'data-testid="agent-errors"' in page.content.decode()

