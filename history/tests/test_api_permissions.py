from __future__ import annotations

import pytest

from history.models import LedgerEntry, Trade
from history.tests.conftest import history_url

pytestmark = pytest.mark.django_db

PUBLIC = ("tick_logs", "aggregates", "audit")
PRIVATE = ("trades", "ledger", "snapshots")


@pytest.mark.parametrize("table", PUBLIC + PRIVATE)
def test_other_users_get_the_404_of_a_missing_simulation_and_anonymous_401(
        simulation, other_user, client_for, api_client, table):
    stranger = client_for(other_user).get(history_url(simulation, table))
    missing = client_for(other_user).get(f"/api/simulations/{simulation.pk + 10**6}/history/"
                                         f"{table}/")
    assert stranger.status_code == 404
    assert stranger.json() == missing.json()
    assert api_client.get(history_url(simulation, table)).status_code == 401


@pytest.mark.parametrize("table", PUBLIC)
def test_participants_see_the_public_series_whole(archived, owner, operator, client_for,
                                                  table):
    mine = client_for(owner).get(history_url(archived, table), {"limit": 1000}).json()
    everything = client_for(operator).get(history_url(archived, table), {"limit": 1000}).json()
    assert mine["results"] and mine == everything


def test_participants_see_only_their_own_agents_ledger_and_trades(archived, owner, operator,
                                                                  client_for):
    owned = {"household:1", "firm:2"}
    ledger = client_for(owner).get(history_url(archived, "ledger"), {"limit": 1000}).json()
    assert ledger["results"]
    assert all(owned & {r["debit_agent"], r["credit_agent"]} for r in ledger["results"])
    trades = client_for(owner).get(history_url(archived, "trades"), {"limit": 1000}).json()
    assert trades["results"]
    assert all(owned & {r["buyer"], r["seller"]} for r in trades["results"])
    snapshots = client_for(owner).get(history_url(archived, "snapshots")).json()
    assert {r["agent"] for r in snapshots["results"]} == {"household:1", "firm:2"}

    everything = client_for(operator).get(history_url(archived, "trades"), {"limit": 1000})
    assert len(everything.json()["results"]) == min(
        1000, Trade.objects.filter(simulation=archived).count())
    assert len(everything.json()["results"]) > len(trades["results"])


def test_asking_for_someone_elses_agent_is_403_but_operators_may(archived, owner, operator,
                                                                 client_for):
    url = history_url(archived, "ledger")
    response = client_for(owner).get(url, {"agent": "household:3"})
    assert response.status_code == 403
    assert "own agents" in response.json()["message"]
    response = client_for(operator).get(url, {"agent": "household:3", "limit": 1000})
    assert len(response.json()["results"]) == LedgerEntry.objects.filter(
        simulation=archived, credit_type=0, credit_id=3).count() + LedgerEntry.objects.filter(
        simulation=archived, debit_type=0, debit_id=3).exclude(
        credit_type=0, credit_id=3).count() > 0


def test_unknown_simulation_is_404(operator, client_for):
    response = client_for(operator).get("/api/simulations/999999/history/ledger/")
    assert response.status_code == 404


def test_recent_logs_download_is_for_operators_only(archived, owner, operator, client_for):
    url = history_url(archived, "tick_logs") + "recent/"
    assert client_for(owner).get(url).status_code == 403
    response = client_for(operator).get(url, {"ticks": 2})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,tick,day,level,message")
    assert {line.split(",")[1] for line in lines[1:]} == {"3", "4"}
    assert client_for(operator).get(url, {"ticks": 0}).status_code == 400


def test_strangers_get_404_before_their_filters_are_read(simulation, other_user, client_for):
    response = client_for(other_user).get(history_url(simulation, "ledger"),
                                          {"kind": "THEFT"})
    assert response.status_code == 404
