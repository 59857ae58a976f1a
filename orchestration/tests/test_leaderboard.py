"""The leaderboard (orchestration/leaderboard.py and its API) on a small world whose ranks are
worked by hand in `leaderboard_world`."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orchestration.leaderboard import first_full_day, leaderboard_get
from orchestration.tests.leaderboard_world import leaderboard_world
from simulations.models import Agent
from simulations.tests.conftest import SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked():
    return leaderboard_world()


def _table(board, window):
    return [(r.rank, r.engine_id, r.windows[window].score, r.windows[window].bar)
            for r in board.rows]


def test_first_full_day_of_a_mount():
    assert [first_full_day(t, 4) for t in (1, 2, 4, 5, 6, 9, 29)] == [1, 2, 2, 2, 3, 3, 8]
    assert first_full_day(0, 4) == 1


def test_ranks_worked_by_hand(ranked):
    sim, _ = ranked
    board = leaderboard_get(simulation=sim, agent_type="firm", rank_by="last_day")
    assert (board.day, board.unit, board.baseline_agents) == (8, "cents", 7)
    assert _table(board, "last_day") == [(1, 5, 30, 40), (2, 7, 30, 40), (3, 2, -100, 40)]
    week = leaderboard_get(simulation=sim, agent_type="firm", rank_by="last_7_days")
    assert _table(week, "last_7_days") == [(1, 2, 200, 280), (None, 5, None, None),
                                           (None, 7, None, None)]
    assert (week.rows[0].windows["last_7_days"].first_day,
            week.rows[0].windows["last_7_days"].last_day) == (2, 8)
    since = leaderboard_get(simulation=sim, agent_type="firm", rank_by="since_mount")
    assert _table(since, "since_mount") == [(1, 2, 250, 320), (2, 5, 180, 240),
                                            (3, 7, 30, 40)]
    assert [r.first_full_day for r in since.rows] == [1, 3, 8]
    assert board.baseline["last_day"].score == 40
    assert board.baseline["last_7_days"].score == 280
    names = {r.engine_id: (r.nickname, r.script_name, r.script_hidden) for r in board.rows}
    assert names == {2: ("Alice", "steady", False), 5: ("Bob", None, True),
                     7: ("carol", "late", False)}  # no nickname: the username


def test_the_default_window_is_the_week_and_other_types_have_boards(ranked):
    sim, _ = ranked
    assert leaderboard_get(simulation=sim, agent_type="firm").rank_by == "last_7_days"
    banks = leaderboard_get(simulation=sim, agent_type="bank")
    assert banks.rows == [] and banks.baseline_agents == SMALL["n_banks"]
    assert banks.baseline["last_day"].score == 2000  # lower median of 1000, 2000, 3000
    households = leaderboard_get(simulation=sim, agent_type="household")
    assert households.unit == "utility"
    # lower median of 0.5 x (0..199) over 7 days: 0.5 x 99 x 7
    assert households.baseline["last_7_days"].score == pytest.approx(346.5)


def test_a_simulation_without_scores_has_empty_boards(simulation):
    board = leaderboard_get(simulation=simulation, agent_type="firm")
    assert (board.day, board.rows, board.baseline) == (None, [], {})


@pytest.fixture
def alice_client(ranked):
    client = APIClient()
    client.force_authenticate(ranked[1]["alice"])
    return client


def test_api_gives_the_ranks_worked_by_hand(ranked, alice_client):
    sim, _ = ranked
    response = alice_client.get(f"/api/simulations/{sim.pk}/leaderboard/",
                                {"agent_type": "firm", "rank_by": "since_mount"})
    assert response.status_code == 200
    body = response.json()
    assert body["simulation_id"] == sim.pk
    (board,) = body["boards"]
    assert [(r["rank"], r["engine_id"], r["nickname"], r["script_name"],
             r["windows"]["since_mount"]["score"], r["windows"]["since_mount"]["bar"])
            for r in board["rows"]] == [(1, 2, "Alice", "steady", 250, 320),
                                        (2, 5, "Bob", None, 180, 240),
                                        (3, 7, "carol", "late", 30, 40)]
    assert board["baseline"]["last_7_days"] == {"first_day": 2, "last_day": 8, "score": 280,
                                                "bar": 280}
    every = alice_client.get(f"/api/simulations/{sim.pk}/leaderboard/").json()
    assert [b["agent_type"] for b in every["boards"]] == ["household", "firm", "bank"]
    assert [b["rank_by"] for b in every["boards"]] == ["last_7_days"] * 3


def test_strangers_get_the_missing_simulation_answer(ranked, other_user, operator):
    sim, _ = ranked
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    hidden = stranger.get(f"/api/simulations/{sim.pk}/leaderboard/")
    missing = stranger.get("/api/simulations/999999/leaderboard/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    # Even a hostile query string tells a stranger nothing more.
    assert stranger.get(f"/api/simulations/{sim.pk}/leaderboard/",
                        {"agent_type": "x"}).json() == missing.json()
    assert APIClient().get(f"/api/simulations/{sim.pk}/leaderboard/").status_code == 401
    staff = APIClient()
    staff.force_authenticate(operator)
    assert staff.get(f"/api/simulations/{sim.pk}/leaderboard/").status_code == 200
    # A participant through any agent (a household, not on the board) may look.
    Agent.objects.filter(simulation=sim, agent_type="household", engine_id=3).update(
        owner=other_user)
    assert stranger.get(f"/api/simulations/{sim.pk}/leaderboard/").status_code == 200


@pytest.mark.parametrize(("query", "field", "rule"), [
    ({"agent_type": "central_bank"}, "agent_type", "invalid_choice"),
    ({"agent_type": "FIRM"}, "agent_type", "invalid_choice"),
    ({"rank_by": "forever"}, "rank_by", "invalid_choice"),
    ({"rank_by": "last_day\x00"}, "rank_by", "invalid_choice"),
    ({"agent": "2"}, "agent", "unknown_field"),
])
def test_a_hostile_query_string_is_a_400_naming_field_and_rule(ranked, alice_client, query,
                                                               field, rule):
    sim, _ = ranked
    response = alice_client.get(f"/api/simulations/{sim.pk}/leaderboard/", query)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [(field, rule)]
