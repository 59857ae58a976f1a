"""The run limit (SIMULATION_MAX_TICKS_PER_RUN) at its exact boundary, for every way of
asking: the API, a schedule, and the services behind the admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from orchestration.runs import day_run_request
from simulations.models import DayRun, run_ticks_validate
from simulations.schedules import schedule_validate

pytestmark = pytest.mark.django_db
LIMIT = settings.SIMULATION_MAX_TICKS_PER_RUN


def test_a_run_of_exactly_the_limit_is_accepted_and_one_more_is_refused_by_the_service(
        simulation):
    run_ticks_validate(LIMIT)
    for ticks in (0, LIMIT + 1):
        with pytest.raises(ValidationError) as err:
            day_run_request(simulation_id=simulation.pk, mode=DayRun.Mode.TICKS, ticks=ticks)
        assert [e.code for e in err.value.error_dict["ticks"]] == ["out_of_range"]
        assert err.value.error_dict["ticks"][0].message == f"Between 1 and {LIMIT}."
    assert not DayRun.objects.exists()


def test_a_schedule_of_the_limit_is_accepted_and_one_more_is_refused(simulation):
    schedule_validate(kind="interval", time_utc=None, every_minutes=5, ticks=LIMIT)
    with pytest.raises(ValidationError) as err:
        schedule_validate(kind="interval", time_utc=None, every_minutes=5, ticks=LIMIT + 1)
    assert [e.code for e in err.value.error_dict["ticks"]] == ["out_of_range"]


def test_the_api_refuses_a_run_and_a_day_one_tick_over_the_limit(simulation, operator):
    client = APIClient()
    client.force_authenticate(operator)
    over = client.post(f"/api/simulations/{simulation.pk}/run_day/", {"ticks": LIMIT + 1},
                       format="json")
    assert over.status_code == 400
    assert [(e["field"], e["rule"]) for e in over.json()["errors"]] == [("ticks", "max_value")]
    day = client.post("/api/simulations/", {"name": "long-days", "ticks_per_day": LIMIT + 1},
                      format="json")
    assert day.status_code == 400
    assert [(e["field"], e["rule"]) for e in day.json()["errors"]] == [
        ("ticks_per_day", "max_value")]
    assert not DayRun.objects.exists()
