"""The first-run path of the "Get started" page: where a user stands on the way from sign-up to
the first tick of their own script (claim an agent, copy a starter script, dry-run it, mount it,
see its first tick), and when the world will next move. Reads only; the page's actions call
the domain services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import PeriodicTask

from scripts_lib.examples import script_examples
from scripts_lib.models import Mount, Script, ScriptFailure, ScriptTickLog, ScriptVersion
from simulations.models import ACTIVE_OUTCOMES, Agent, AgentType, DayRun, Schedule, Simulation
from web.docs_content import FIRST_SCRIPT

STEPS = ("claim", "script", "dry_run", "mount", "first_tick")
DONE, NEXT, BLOCKED = "done", "next", "blocked"
OVERDUE_MINUTES = 2  # beat checks its schedule every few seconds; later than this, it is down
DRY_RUN_SESSION_KEY = "get_started_dry_run"  # {"version": pk, "ok": bool, "outcome": {...}}


@dataclass(frozen=True)
class Starter:
    name: str
    description: str
    source: str


def starter_for(agent_type: str) -> Starter:
    """The worked example for the agent type, else the minimal script (every baseline rule)."""
    for name, kind, description, source in script_examples():
        if kind == agent_type:
            return Starter(name, description, source)
    label = AgentType(agent_type).label
    return Starter(_("My first %(type)s script") % {"type": label.lower()},
                   _("Keeps every baseline rule; edit it to decide for yourself."), FIRST_SCRIPT)


@dataclass
class Step:
    key: str
    state: str
    reason: str = ""


@dataclass
class ClaimChoice:
    simulation: Simulation
    agent_types: list[tuple[str, str, int]]  # (value, label, free agents)


@dataclass
class FirstTick:
    tick: int
    happened: bool
    decision: dict[str, Any] | None = None
    decision_tick: int | None = None
    log: str = ""
    failure: ScriptFailure | None = None


@dataclass
class Progress:
    steps: list[Step]
    choices: list[ClaimChoice] = field(default_factory=list)
    agent: Agent | None = None
    script: Script | None = None
    version: ScriptVersion | None = None
    starter: Starter | None = None
    dry_run: dict[str, Any] | None = None
    mount: Mount | None = None
    first_tick: FirstTick | None = None
    next_day: str = ""

    @property
    def claim_types(self) -> list[tuple[str, str]]:
        """Every agent type free in some choice, in the choices' order."""
        seen: dict[str, str] = {}
        for choice in self.choices:
            for value, label, _free in choice.agent_types:
                seen.setdefault(value, label)
        return list(seen.items())

    @property
    def finished(self) -> bool:
        return all(step.state == DONE for step in self.steps)

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)


def has_mounted_script(*, user: AbstractBaseUser) -> bool:
    """Whether the user has reached the end of the first-run path (home and log-in send
    them to the dashboard from then on)."""
    return Mount.objects.filter(agent__owner=user, active=True,
                                simulation__archived_at__isnull=True).exists()


def claim_choices() -> list[ClaimChoice]:
    """Running simulations with free agents of types users may claim, example types first."""
    simulations = list(Simulation.objects.filter(archived_at__isnull=True,
                                                 status=Simulation.Status.RUNNING))
    free: dict[int, dict[str, int]] = {}
    for sim_id, agent_type, count in (Agent.objects.filter(simulation__in=simulations,
                                                           owner__isnull=True)
                                      .values_list("simulation_id", "agent_type")
                                      .annotate(n=Count("id")).order_by()):
        free.setdefault(sim_id, {})[agent_type] = count
    with_example = [kind for _, kind, _, _ in script_examples()]
    choices = []
    for simulation in simulations:
        types = sorted((t for t in simulation.claimable_agent_types
                        if free.get(simulation.pk, {}).get(t)),
                       key=lambda t: (t not in with_example, AgentType.values.index(t)))
        if types:
            choices.append(ClaimChoice(simulation, [(t, AgentType(t).label, free[simulation.pk][t])
                                                    for t in types]))
    return choices


def _focus_agent(user: AbstractBaseUser) -> tuple[Agent | None, Mount | None]:
    """The agent the path is about: one with a mounted script if any, else the newest claim."""
    agents = list(Agent.objects.filter(owner=user, simulation__archived_at__isnull=True)
                  .select_related("simulation").order_by("-claimed_at", "-pk"))
    mounts = {m.agent_id: m for m in Mount.objects.filter(agent__in=agents, active=True)
              .select_related("script_version__script")}
    for agent in agents:
        if agent.pk in mounts:
            return agent, mounts[agent.pk]
    return (agents[0] if agents else None), None


def _script_for(user: AbstractBaseUser, agent_type: str) -> tuple[Script | None,
                                                                   ScriptVersion | None]:
    """The user's newest script of the type that has a version."""
    version = (ScriptVersion.objects.filter(script__owner=user, script__agent_type=agent_type,
                                            script__archived_at__isnull=True)
               .select_related("script").order_by("-script__updated_at", "-number").first())
    return (version.script, version) if version else (None, None)


def first_run_progress(*, user: AbstractBaseUser, session: dict[str, Any]) -> Progress:
    agent, mount = _focus_agent(user)
    progress = Progress(steps=[])
    steps = progress.steps
    if agent is None:
        progress.choices = claim_choices()
        steps.append(Step("claim", NEXT) if progress.choices else Step(
            "claim", BLOCKED, _("No running simulation has a free agent you may claim; ask an "
                                "operator to start one.")))
        for key in STEPS[1:]:
            steps.append(Step(key, BLOCKED, _("Claim an agent first.")))
        return progress
    progress.agent = agent
    steps.append(Step("claim", DONE))
    progress.starter = starter_for(agent.agent_type)
    if mount is not None:
        progress.version, progress.mount = mount.script_version, mount
        progress.script = mount.script_version.script
    else:
        progress.script, progress.version = _script_for(user, agent.agent_type)
    if progress.version is None:
        steps.append(Step("script", NEXT))
        for key in STEPS[2:]:
            steps.append(Step(key, BLOCKED, _("Open a starter script first.")))
        return progress
    steps.append(Step("script", DONE))
    dry_run = session.get(DRY_RUN_SESSION_KEY)
    if dry_run and dry_run.get("version") == progress.version.pk:
        progress.dry_run = dry_run
    passed = bool(progress.dry_run and progress.dry_run["ok"])
    if mount is not None or passed:
        steps.append(Step("dry_run", DONE))
    elif progress.dry_run:
        steps.append(Step("dry_run", NEXT, _("The dry run did not give a valid decision: fix "
                                             "the script in the editor and try again.")))
    else:
        steps.append(Step("dry_run", NEXT))
    if mount is None:
        steps.append(Step("mount", NEXT) if passed else Step(
            "mount", BLOCKED, _("Dry-run the script first: mount only what gives a valid "
                                "decision.")))
        steps.append(Step("first_tick", BLOCKED, _("Mount the script first.")))
        return progress
    steps.append(Step("mount", DONE))
    progress.next_day = next_day_text(simulation=agent.simulation)
    progress.first_tick = _first_tick(mount, agent.simulation)
    if progress.first_tick.happened:
        steps.append(Step("first_tick", DONE))
    elif agent.simulation.status != Simulation.Status.RUNNING:
        steps.append(Step("first_tick", BLOCKED, _("The simulation is paused: no tick runs "
                                                   "until an operator resumes it.")))
    else:
        steps.append(Step("first_tick", NEXT, progress.next_day))
    return progress


def _first_tick(mount: Mount, simulation: Simulation) -> FirstTick:
    first = FirstTick(tick=mount.since_tick, happened=simulation.tick >= mount.since_tick)
    if not first.happened:
        return first
    if mount.last_decision_tick is not None:
        first.decision, first.decision_tick = mount.last_decision, mount.last_decision_tick
    log = ScriptTickLog.objects.filter(mount=mount, tick=mount.since_tick).first()
    first.log = log.output if log else ""
    first.failure = (ScriptFailure.objects.filter(mount=mount, tick=mount.since_tick)
                     .order_by("id").first())
    return first


def next_day_text(*, simulation: Simulation, now: dt.datetime | None = None) -> str:
    """When the simulation will next move on by itself, in words the page shows."""
    now = now or timezone.now()
    run = (DayRun.objects.filter(simulation=simulation, outcome__in=ACTIVE_OUTCOMES)
           .order_by("-created_at").first())
    if run is not None:
        return _("A day is running now (%(done)s of %(total)s ticks).") % {
            "done": run.ticks_done, "total": run.ticks_requested}
    schedules = list(Schedule.objects.filter(simulation=simulation, enabled=True))
    if not schedules:
        return _("No day is scheduled: days run when an operator runs them.")
    due = min(_next_due(schedule, now) for schedule in schedules)
    late = (now - due).total_seconds() / 60
    if late > OVERDUE_MINUTES:
        return _("The scheduled day is %(minutes)s min overdue: the scheduler may be down; an "
                 "operator can run a day by hand.") % {"minutes": round(late)}
    if late >= 0:
        return _("The next scheduled day is due now; it starts as soon as the scheduler "
                 "fires it.")
    minutes = max(1, round((due - now).total_seconds() / 60))
    return _("The next scheduled day is due at %(time)s UTC, in about %(minutes)s min.") % {
        "time": due.astimezone(dt.UTC).strftime("%H:%M"), "minutes": minutes}


def _next_due(schedule: Schedule, now: dt.datetime) -> dt.datetime:
    if schedule.kind == Schedule.Kind.DAILY:
        due = now.astimezone(dt.UTC).replace(hour=schedule.time_utc.hour,
                                             minute=schedule.time_utc.minute,
                                             second=0, microsecond=0)
        return due if due > now else due + dt.timedelta(days=1)
    # An interval counts from beat's last firing: the later of the time beat saved (it saves
    # only every few minutes) and the newest run a firing made; before any, the creation.
    firings = [
        PeriodicTask.objects.filter(pk=schedule.periodic_task_id)
        .values_list("last_run_at", flat=True).first(),
        DayRun.objects.filter(schedule=schedule).order_by("-created_at")
        .values_list("created_at", flat=True).first()]
    last = max((t for t in firings if t is not None), default=schedule.created_at)
    return last + dt.timedelta(minutes=schedule.every_minutes)
