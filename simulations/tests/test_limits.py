"""The run limit at its exact edge: SIMULATION_MAX_TICKS_PER_RUN ticks (10,000 by default) may
be asked for, one more may not, through the API's run and schedule endpoints and the service."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from orchestration.runs import run_ticks_resolve
from simulations.models import DayRun, Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(operator) -> APIClient:
    client = APIClient()
    client.force_authenticate(operator)
    return client


@pytest.mark.parametrize(("extra", "status"), [(0, 202), (1, 400)])
def test_a_run_may_ask_for_exactly_the_tick_limit(simulation, operator_client, extra, status,
                                                   django_capture_on_commit_callbacks):
    ticks = settings.SIMULATION_MAX_TICKS_PER_RUN + extra
    with django_capture_on_commit_callbacks():  # queued on commit: never sent to a worker
        response = operator_client.post(f"/api/simulations/{simulation.pk}/run_day/",
                                        {"ticks": ticks}, format="json")
    assert response.status_code == status, response.content[:300]
    if status == 202:
        assert DayRun.objects.get().ticks_requested == ticks
    else:
        assert {e["field"] for e in response.json()["errors"]} == {"ticks"}
        assert not DayRun.objects.exists()


@pytest.mark.parametrize(("extra", "status"), [(0, 201), (1, 400)])
def test_a_schedule_may_run_exactly_the_tick_limit(simulation, operator_client, extra, status):
    ticks = settings.SIMULATION_MAX_TICKS_PER_RUN + extra
    response = operator_client.post(f"/api/simulations/{simulation.pk}/schedules/",
                                    {"kind": "interval", "every_minutes": 15, "ticks": ticks},
                                    format="json")
    assert response.status_code == status, response.content[:300]
    assert Schedule.objects.filter(ticks=ticks).exists() is (status == 201)


def test_the_run_service_takes_exactly_the_tick_limit_and_refuses_one_more(simulation):
    limit = settings.SIMULATION_MAX_TICKS_PER_RUN
    assert run_ticks_resolve(simulation=simulation, mode=DayRun.Mode.TICKS, ticks=limit) == limit
    with pytest.raises(ValidationError) as refused:
        run_ticks_resolve(simulation=simulation, mode=DayRun.Mode.TICKS, ticks=limit + 1)
    assert refused.value.error_dict["ticks"][0].code == "out_of_range"
