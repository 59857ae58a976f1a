"""A running economy as the platform sees it: the simulation, its claimable agents, its
checkpoints, the shocks operators apply and the record of every day that ran."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from econsim_project.field_errors import field_error
from simulations.engine.schema import AGENT_TYPES

# The engine's rules for worlds created from now on: new simulations, sample worlds of dry
# runs, fresh-world backtests (docs/economic-model.md, Model v2). Existing worlds keep theirs.
NEW_WORLD_MODEL = "v2"


class Scenario(models.TextChoices):
    BASELINE = "baseline", _("Baseline (full model)")
    SIM = "sim", _("SIM (Godley-Lavoie)")


# The engine names the agent types once (`AGENT_TYPES`); these are their labels, and the same
# list as Django choices ("central_bank" -> CENTRAL_BANK, "Central bank").
AGENT_TYPE_LABELS = {"household": _("Household"), "firm": _("Firm"), "bank": _("Bank"),
                     "central_bank": _("Central bank"), "government": _("Government")}
assert tuple(AGENT_TYPE_LABELS) == AGENT_TYPES, "one label per engine agent type, in order"
AgentType = models.TextChoices(
    "AgentType", [(t.upper(), (t, AGENT_TYPE_LABELS[t])) for t in AGENT_TYPES])


def run_ticks_validate(ticks: int, *, field: str = "ticks") -> None:
    """The run limit, checked here for every way of asking (API, admin, schedules): between 1
    and SIMULATION_MAX_TICKS_PER_RUN ticks. Forms and serializers bound their fields with the
    same setting; this is the services' own check."""
    limit = settings.SIMULATION_MAX_TICKS_PER_RUN
    if not 1 <= ticks <= limit:
        raise field_error(field, "out_of_range", f"Between 1 and {limit}.")


def claimable_by_default() -> list[str]:
    """Users may claim households, firms and banks; the policy makers (government, central
    bank) are assigned by an operator unless the simulation says otherwise."""
    return [AgentType.HOUSEHOLD.value, AgentType.FIRM.value, AgentType.BANK.value]


def validate_agent_types(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValidationError("A list of agent types.", code="invalid")
    unknown = sorted(set(value) - set(AgentType.values))
    if unknown:
        raise ValidationError(f"Unknown agent type(s): {', '.join(unknown)}; one of "
                              f"{', '.join(AgentType.values)}.", code="invalid_choice")


def day_of_tick(tick: int, ticks_per_day: int) -> int:
    """Day 1 holds ticks 1..ticks_per_day; tick 0 (the initial state) belongs to day 0. The
    one meaning of "day" in the rows, the API and the pages."""
    return (tick - 1) // ticks_per_day + 1 if tick > 0 else 0


class Simulation(models.Model):
    class Status(models.TextChoices):
        # "running" lets days run (by hand or on schedule); it does not mean a day is running
        # now, so people read "Active" (the live strip says when a day runs).
        RUNNING = "running", _("Active")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")

    name = models.CharField(max_length=80, unique=True)
    scenario = models.CharField(max_length=20, choices=Scenario.choices,
                                default=Scenario.BASELINE)
    config = models.JSONField(default=dict, blank=True,
                              help_text="Overrides of the scenario's parameters.")
    seed = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAUSED)
    tick = models.BigIntegerField(default=0, help_text="Last completed tick (0: initial state).")
    ticks_per_day = models.PositiveIntegerField(default=4)
    max_agents_per_user = models.PositiveSmallIntegerField(default=3)
    claimable_agent_types = models.JSONField(
        default=claimable_by_default, blank=True, validators=[validate_agent_types],
        help_text="Agent types users may claim themselves; agents of the other types are "
                  "assigned by an operator (the Agents admin).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True,
                                       help_text="Archived simulations are hidden and never run.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def day(self) -> int:
        """The day of the last tick run (0 before the first tick), as in the history rows."""
        return day_of_tick(self.tick, self.ticks_per_day)

    @property
    def days_completed(self) -> int:
        """Whole days run: a day is `ticks_per_day` ticks (no economic meaning)."""
        return self.tick // self.ticks_per_day

    @property
    def ticks_left_in_day(self) -> int:
        """Ticks until the next day end (a whole day's worth at a day boundary)."""
        return self.ticks_per_day - self.tick % self.ticks_per_day


class Agent(models.Model):
    """An engine agent a user can claim and mount a script on."""

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="agents")
    agent_type = models.CharField(max_length=20, choices=AgentType.choices)
    engine_id = models.PositiveIntegerField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="agents")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["simulation", "agent_type", "engine_id"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "agent_type", "engine_id"],
                                    name="agent_unique_engine_ref"),
        ]
        indexes = [models.Index(fields=["simulation", "owner"])]

    def __str__(self) -> str:
        return f"{self.agent_type}:{self.engine_id}"

    @property
    def ref(self) -> tuple[str, int]:
        return (self.agent_type, self.engine_id)


class Checkpoint(models.Model):
    """The serialized world after a tick. Day-end checkpoints are kept; of the others only
    the latest one is."""

    class Kind(models.TextChoices):
        DAY_END = "day_end", _("Day end")
        LATEST = "latest", _("Latest tick")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE,
                                   related_name="checkpoints")
    tick = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.BinaryField()
    state_hash = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulation", "-tick"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "tick"], name="checkpoint_unique_tick"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation} @ tick {self.tick} ({self.kind})"

    @property
    def day(self) -> int:
        return day_of_tick(self.tick, self.simulation.ticks_per_day)


class Shock(models.Model):
    """An operator's shock, applied by the engine at P9 of `start_tick`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="shocks")
    shock_type = models.CharField(max_length=30)
    target = models.JSONField(default=dict)
    params = models.JSONField(default=dict, blank=True)
    start_tick = models.BigIntegerField()
    duration_ticks = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_tick = models.BigIntegerField(
        null=True, blank=True,
        help_text="The tick it took effect from (later than start_tick if it arrived late).")

    class Meta:
        ordering = ["simulation", "start_tick", "id"]

    def __str__(self) -> str:
        return f"{self.shock_type} @ {self.start_tick} on {self.simulation}"


class DayRun(models.Model):
    """One request to advance a simulation: who asked, what ran, how it ended, and enough
    (script versions, checkpoints) to re-run it exactly."""

    class Outcome(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        NOOP = "noop", _("Nothing to do")
        STOPPED = "stopped", _("Stopped (paused, archived or reset)")

    class Mode(models.TextChoices):
        DAY = "day", _("A day")
        FILL = "fill", _("Fill the day")
        TICKS = "ticks", _("N ticks")

    class Via(models.TextChoices):
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        SCHEDULE = "schedule", _("Schedule")
        COMMAND = "command", _("Command")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="day_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_via = models.CharField(max_length=10, choices=Via.choices, default=Via.ADMIN)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    expected_tick = models.BigIntegerField(help_text="The tick the run expects to start from.")
    ticks_requested = models.PositiveIntegerField()
    ticks_done = models.PositiveIntegerField(default=0)
    start_tick = models.BigIntegerField(null=True, blank=True)
    end_tick = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.QUEUED)
    error = models.TextField(blank=True)
    script_versions = models.JSONField(default=dict, blank=True,
                                       help_text="Agent ref -> script version id in force.")
    start_checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    end_checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.DAY)
    schedule = models.ForeignKey("Schedule", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="day_runs")
    due_at = models.DateTimeField(
        null=True, blank=True,
        help_text="A schedule firing's due time, as beat computed it: one run per schedule and due "
                  "time.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Last sign of a worker on it: taken from the queue, started, a tick committed.")
    requeue_count = models.PositiveIntegerField(
        default=0, help_text="Times it was queued again because its worker went silent.")
    requeued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["simulation", "-created_at"]),
            # The stale-run sweep reads only the live runs, every few seconds.
            models.Index(fields=["outcome"], name="dayrun_live",
                         condition=models.Q(outcome__in=["queued", "running"])),
        ]
        constraints = [
            # A redelivered scheduled task finds its run by task id instead of making another.
            models.UniqueConstraint(fields=["task_id"], condition=~models.Q(task_id=""),
                                    name="dayrun_unique_task_id"),
            # A firing beat sends again after a restart (same due time, new task id) finds the
            # first one's run and is skipped.
            models.UniqueConstraint(fields=["schedule", "due_at"],
                                    condition=models.Q(due_at__isnull=False),
                                    name="dayrun_unique_schedule_firing"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation}: {self.ticks_requested} ticks from {self.expected_tick}"

    @property
    def last_seen_at(self) -> dt.datetime:
        """The last sign of life: its request, a worker's heartbeat or its last re-queue."""
        return max(t for t in (self.created_at, self.heartbeat_at, self.requeued_at) if t)

    @property
    def silence_allowed_seconds(self) -> float:
        """How long it may be silent before it counts as stale. A re-queued message that no
        worker has taken yet is more likely waiting behind other work than lost, so each
        further re-queue waits twice as long (up to 64 times); a worker's heartbeat after the
        re-queue brings it back to the plain threshold."""
        base = settings.SIMULATION_RUN_STALE_SECONDS
        waiting = self.requeued_at is not None and (
            self.heartbeat_at is None or self.heartbeat_at <= self.requeued_at)
        return base * 2 ** min(self.requeue_count - 1, 6) if waiting else base


# A run still to finish: the stale-run sweep and the pages watch these.
ACTIVE_OUTCOMES = (DayRun.Outcome.QUEUED, DayRun.Outcome.RUNNING)


class Schedule(models.Model):
    """A recurring run of a simulation, mirrored into one django-celery-beat PeriodicTask."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Every day at a UTC time")
        INTERVAL = "interval", _("Every N minutes")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE,
                                   related_name="schedules")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    time_utc = models.TimeField(null=True, blank=True, help_text="daily: HH:MM (UTC).")
    every_minutes = models.PositiveIntegerField(null=True, blank=True,
                                                help_text="interval: minutes between runs.")
    ticks = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Ticks per run; empty: a whole day (the simulation's ticks per day).")
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField("django_celery_beat.PeriodicTask", null=True,
                                         blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulation", "id"]

    def __str__(self) -> str:
        when = (f"daily at {self.time_utc:%H:%M} UTC" if self.kind == self.Kind.DAILY
                else f"every {self.every_minutes} min")
        return f"{self.simulation}: {self.ticks or 'a day of'} ticks {when}"
