"""The baseline world `manage.py seed` creates, so that `make run` shows a living economy:
1,000 households (a tick takes a few tens of milliseconds on a laptop), the demo user owning
a household and a firm driven by the two example scripts. Running it again changes nothing."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from orchestration.advance import simulation_advance
from scripts_lib.examples import script_examples
from scripts_lib.models import Mount, Script
from scripts_lib.services import mount_create, script_create, script_version_create
from simulations.models import Agent, Schedule, Simulation
from simulations.schedules import schedule_save
from simulations.services import agent_claim, simulation_create

BASELINE_NAME = "Baseline economy"
BASELINE_CONFIG = {"n_households": 1000, "n_firms": 20, "n_banks": 3}


def baseline_seed(*, operator: AbstractBaseUser, demo: AbstractBaseUser) -> list[str]:
    """Returns what it created (empty when everything exists)."""
    created: list[str] = []
    simulation = Simulation.objects.filter(name=BASELINE_NAME).first()
    if simulation is None:
        simulation = simulation_create(name=BASELINE_NAME, config=BASELINE_CONFIG, seed=1,
                                       ticks_per_day=4, status=Simulation.Status.RUNNING,
                                       created_by_id=operator.pk)
        created.append(f"simulation {BASELINE_NAME} ({simulation.agents.count()} agents)")
    for name, agent_type, description, source in script_examples():
        script = Script.objects.filter(owner=demo, name=name).first()
        if script is None:
            script = script_create(owner=demo, name=name, agent_type=agent_type,
                                   description=description)
            script_version_create(script=script, source=source, user=demo)
            created.append(f"script {name!r} of {demo.username}")
        agent = _demo_agent(simulation, demo, agent_type)
        if not Mount.objects.filter(agent=agent, active=True).exists():
            version = script.versions.order_by("-number").first()
            mount_create(simulation_id=simulation.pk, agent_id=agent.pk,
                         version_id=version.pk, user=demo)
            created.append(f"mount of {name!r} on {agent}")
    if not simulation.schedules.exists():
        every = settings.SEED_SCHEDULE_EVERY_MINUTES
        schedule_save(simulation_id=simulation.pk, kind=Schedule.Kind.INTERVAL,
                      every_minutes=every)
        created.append(f"schedule: a day every {every} minutes")
    if simulation.tick == 0:
        # One day at once, so the dashboards have data the moment the site starts.
        simulation_advance(simulation_id=simulation.pk, expected_tick=0,
                           ticks=simulation.ticks_per_day)
        created.append(f"first day of {BASELINE_NAME} ({simulation.ticks_per_day} ticks)")
    return created


def _demo_agent(simulation: Simulation, demo: AbstractBaseUser, agent_type: str) -> Agent:
    """The demo user's agent of that type, claiming the first free one if needed."""
    mine = Agent.objects.filter(simulation=simulation, owner=demo, agent_type=agent_type).first()
    if mine is not None:
        return mine
    free = Agent.objects.filter(simulation=simulation, owner__isnull=True,
                                agent_type=agent_type).order_by("engine_id").first()
    return agent_claim(simulation_id=simulation.pk, agent_id=free.pk, user_id=demo.pk)
