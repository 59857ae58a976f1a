"""Several replicas seeding at once (issue 14: 2 of 3 failed on a duplicate user, type or
constraint and stayed dead): every one succeeds and the platform exists once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model

from econsim_project import testing
from orchestration.seeding import BASELINE_NAME
from scripts_lib.models import Mount, Script
from simulations.models import Schedule, Simulation

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPLICAS = 3


def test_three_seeds_started_together_all_succeed_and_create_everything_once():
    env = dict(os.environ, DATABASE_URL=testing.test_database_url(), DEMO_PASSWORD="demo-pass-123",
               OPERATOR_PASSWORD="operator-pass-123")
    seeds = [subprocess.Popen([sys.executable, "manage.py", "seed"], cwd=testing.ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(REPLICAS)]
    outputs = [seed.communicate(timeout=300)[0] for seed in seeds]
    assert [seed.returncode for seed in seeds] == [0] * REPLICAS, outputs
    # One of them created everything; the others found it there.
    assert sum("created user demo" in out for out in outputs) == 1, outputs
    assert sum("nothing to do" in out for out in outputs) == REPLICAS - 1, outputs

    users = get_user_model().objects
    assert sorted(users.values_list("username", flat=True)) == ["demo", "operator"]
    assert users.get(username="demo").check_password("demo-pass-123")
    simulation = Simulation.objects.get(name=BASELINE_NAME)
    assert simulation.tick == simulation.ticks_per_day  # one first day, not three
    assert Schedule.objects.filter(simulation=simulation).count() == 1
    assert Script.objects.filter(owner__username="demo").count() == 2
    assert Mount.objects.filter(agent__simulation=simulation, active=True).count() == 2
