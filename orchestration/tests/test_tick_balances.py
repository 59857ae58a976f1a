"""Claimed agents' balance sheets are archived every tick (history.AgentTickBalance), from the
tick they have an owner; free agents only at day ends (snapshots). A reset forgets them."""

from __future__ import annotations

import pytest

from history.models import AgentSnapshot, AgentTickBalance
from orchestration.advance import simulation_advance
from orchestration.services import simulation_reset
from simulations.engine import World
from simulations.models import Agent, Checkpoint
from simulations.services import agent_claim

pytestmark = pytest.mark.django_db


def _claim(simulation, user, agent_type: str, engine_id: int) -> Agent:
    agent = Agent.objects.get(simulation=simulation, agent_type=agent_type, engine_id=engine_id)
    return agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=user.pk,
                       operator=True)


def _rows(simulation) -> list[tuple[int, str]]:
    return list(AgentTickBalance.objects.filter(simulation=simulation)
                .order_by("tick", "agent_type", "agent_id")
                .values_list("tick", "agent_type", "agent_id"))


def test_every_tick_keeps_the_balance_sheets_of_claimed_agents_only(simulation, owner):
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=2)
    assert _rows(simulation) == []  # nobody owns an agent yet
    _claim(simulation, owner, "household", 4)
    _claim(simulation, owner, "firm", 2)
    simulation_advance(simulation_id=simulation.pk, expected_tick=2, ticks=3)
    assert _rows(simulation) == [(t, code, i) for t in (3, 4, 5)
                                 for code, i in ((0, 4), (1, 2))]
    # the row is the balance sheet of that tick's world (the day-end checkpoint of tick 4)
    world = World.from_bytes(bytes(Checkpoint.objects.get(simulation=simulation, tick=4).state))
    row = AgentTickBalance.objects.get(simulation=simulation, tick=4, agent_type=0, agent_id=4)
    assert row.balance_sheet == world.balance_sheet(("household", 4))
    assert row.day == 1
    # and the day-end snapshot of that tick agrees with it
    snapshot = AgentSnapshot.objects.get(simulation=simulation, tick=4, agent_type=0, agent_id=4)
    assert snapshot.balance_sheet == row.balance_sheet


def test_a_reset_forgets_the_later_tick_balances(simulation, owner):
    _claim(simulation, owner, "household", 1)
    simulation_advance(simulation_id=simulation.pk, expected_tick=0, ticks=6)
    assert [t for t, _, _ in _rows(simulation)] == [1, 2, 3, 4, 5, 6]
    simulation.refresh_from_db()
    simulation.status = "paused"
    simulation.save(update_fields=["status"])
    simulation_reset(simulation_id=simulation.pk, day=1)
    assert [t for t, _, _ in _rows(simulation)] == [1, 2, 3, 4]
