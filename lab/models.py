"""Backtests of the strategy lab: a request, its arms, each arm's per-tick rows, and the
per-day count of arm-ticks (the `backtest_ticks` quota).

A backtest never points into the live world's tables except by plain reference (simulation,
agent, script versions): it reads the archive and the checkpoints, writes only its own rows.
The per-tick row format is `lab.runner`'s (its docstring)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scripts_lib.models import ScriptVersion
from simulations.models import Agent, AgentType, Simulation


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)


class ArmKind(models.TextChoices):
    """What the API calls an arm; `runner_kind` says how the runner runs it."""

    CANDIDATE = "candidate", _("Candidate version")
    MOUNTED = "mounted", _("Mounted at the time (as archived)")
    BASELINE = "baseline", _("Baseline rule")
    VERSION = "version", _("Another version")


class Backtest(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="backtests")
    # The candidate; SET_NULL: a deleted script does not take its backtests with it (the
    # arms keep its number and name).
    script_version = models.ForeignKey(ScriptVersion, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    simulation = models.ForeignKey(Simulation, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="Empty for a fresh world.")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    agent_type = models.CharField(max_length=20, choices=AgentType.choices)
    agent_engine_id = models.PositiveIntegerField()
    world = models.JSONField(default=dict, blank=True,
                             help_text="A fresh world's scenario, sizes and seed; empty when "
                                       "the backtest starts from a simulation's checkpoint.")
    seed = models.BigIntegerField(default=0)
    ticks_per_day = models.PositiveIntegerField(default=4)
    start_tick = models.BigIntegerField(default=0)
    ticks = models.PositiveIntegerField()
    archive_last_tick = models.BigIntegerField(
        null=True, blank=True, help_text="The last archived tick replayed (fixed at creation); "
                                         "empty for a fresh world.")
    start_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=40, blank=True,
                              help_text="Why it failed or stopped (a rule).")
    message = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    arm_ticks = models.PositiveIntegerField(help_text="Arms x ticks, charged to the quota.")
    cpu_ms_per_call = models.PositiveIntegerField(default=0)
    cpu_reserved_ms = models.BigIntegerField(default=0, help_text="Drawn from the CPU bucket "
                                                                  "at creation.")
    cpu_used_ms = models.BigIntegerField(default=0)
    cpu_settled = models.BooleanField(default=False)
    valid = models.BooleanField(null=True, blank=True,
                                help_text="The archived arm reproduced every archived hash.")
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="lab_backtest_owner")]

    def __str__(self) -> str:
        return f"backtest {self.pk} ({self.status})"

    @property
    def agent_ref(self) -> tuple[str, int]:
        return (self.agent_type, self.agent_engine_id)


class BacktestArm(models.Model):
    backtest = models.ForeignKey(Backtest, on_delete=models.CASCADE, related_name="arms")
    index = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=ArmKind.choices)
    runner_kind = models.CharField(max_length=10)  # lab.runner's SCRIPT / ARCHIVED / BASELINE
    label = models.CharField(max_length=120)
    version = models.ForeignKey(ScriptVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    version_number = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    ticks_done = models.PositiveIntegerField(default=0)
    sandbox_calls = models.PositiveIntegerField(default=0)
    sandbox_calls_in_archive = models.PositiveIntegerField(default=0)
    cpu_pool_ms = models.BigIntegerField(null=True, blank=True)
    cpu_ms = models.FloatField(default=0.0)
    hash_checked = models.PositiveIntegerField(default=0)
    hash_matches = models.PositiveIntegerField(default=0)
    first_mismatch_tick = models.BigIntegerField(null=True, blank=True)
    result_bytes = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["backtest", "index"]
        constraints = [models.UniqueConstraint(fields=["backtest", "index"],
                                               name="lab_arm_unique_index")]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="lab_arm_liveness")]

    def __str__(self) -> str:
        return f"backtest {self.backtest_id} arm {self.index} ({self.kind})"


class BacktestTick(models.Model):
    """One arm's row for one tick (lab.runner's per-tick format)."""

    arm = models.ForeignKey(BacktestArm, on_delete=models.CASCADE, related_name="ticks")
    tick = models.BigIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ["arm", "tick"]
        constraints = [models.UniqueConstraint(fields=["arm", "tick"],
                                               name="lab_tick_unique")]

    def __str__(self) -> str:
        return f"arm {self.arm_id} @{self.tick}"


class BacktestQuotaDay(models.Model):
    """Arm-ticks a user asked for on one UTC day. Kept apart from the backtests, which the
    retention limit deletes: deleting a backtest gives no quota back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    day = models.DateField()
    arm_ticks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"],
                                               name="lab_quota_unique_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.arm_ticks}"
