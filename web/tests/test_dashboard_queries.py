"""The dashboard's agent cards cost the same number of queries for 1 agent as for 10."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scripts_lib.models import Mount, ScriptFailure, ScriptTickLog
from scripts_lib.services import mount_create
from simulations.models import Agent
from simulations.services import agent_claim
from web.selectors import dashboard_simulations

pytestmark = pytest.mark.django_db


def _scripted_household(simulation, owner, version, engine_id: int) -> Agent:
    """A claimed household with a mounted script, four outputs and four failures."""
    agent = Agent.objects.get(simulation=simulation, agent_type="household", engine_id=engine_id)
    agent_claim(simulation_id=simulation.pk, agent_id=agent.pk, user_id=owner.pk)
    mount = mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=version.pk,
                         user=owner)
    for tick in range(1, 5):
        ScriptTickLog.objects.create(mount=mount, simulation=simulation, owner=owner, tick=tick,
                                     output=f"agent {engine_id} tick {tick}", size_bytes=20)
        ScriptFailure.objects.create(simulation=simulation, tick=tick, agent=agent,
                                     mount=mount, version=version, owner=owner,
                                     kind="exception", message=f"{engine_id}/{tick}")
    return agent


def _queries_for_the_dashboard(owner) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        cards = dashboard_simulations(user=owner)
    return len(queries), cards


def test_the_dashboard_costs_the_same_queries_for_one_agent_as_for_ten(
        simulation, owner, version):
    simulation.max_agents_per_user = 10
    simulation.save(update_fields=["max_agents_per_user"])
    _scripted_household(simulation, owner, version, engine_id=0)
    with_one, _ = _queries_for_the_dashboard(owner)
    for engine_id in range(1, 10):
        _scripted_household(simulation, owner, version, engine_id=engine_id)
    with_ten, cards = _queries_for_the_dashboard(owner)
    assert with_ten == with_one
    agents = cards[0].agents
    assert len(agents) == 10 and Mount.objects.filter(active=True).count() == 10
    for card in agents:  # each card still gets its own three newest rows, newest first
        engine_id = card.agent.engine_id
        assert [log.output for log in card.logs] == [f"agent {engine_id} tick {t}"
                                                     for t in (4, 3, 2)]
        assert [f.message for f in card.failures] == [f"{engine_id}/{t}" for t in (4, 3, 2)]
