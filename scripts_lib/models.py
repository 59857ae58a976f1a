"""Strategy scripts: the library (Script, append-only ScriptVersion), where versions run (Mount,
Rotation) and what happened when they ran (ScriptFailure, ScriptTickLog), plus per-user quota
overrides. Writes go through scripts_lib.services and scripts_lib.tick only."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scripts_lib.sandbox.jobs import FAILURE_KIND_LABELS, MAX_CPU_MS, MAX_SOURCE_BYTES
from simulations.models import Agent, AgentType, Simulation


class Script(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="scripts")
    name = models.CharField(max_length=80)
    agent_type = models.CharField(max_length=20, choices=AgentType.choices)
    description = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set instead of deleting once a version of the script has run somewhere: the record of
    # what drove an agent must survive. Archived scripts are hidden from their owner's list.
    archived_at = models.DateTimeField(null=True, blank=True)
    # Leaderboards show "hidden" instead of the name (the owner's nickname still shows).
    hide_name = models.BooleanField(
        default=False, help_text="Leaderboards show 'hidden' instead of this script's name.")

    class Meta:
        ordering = ["owner_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], condition=Q(archived_at__isnull=True),
                                    name="script_unique_live_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agent_type})"


class ScriptVersion(models.Model):
    """Append-only: never edited; deletable only while it never ran (see services)."""

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.TextField()
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    checks_passed = models.BooleanField(default=False)
    check_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["script_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["script", "number"], name="script_version_unique"),
        ]
        indexes = [models.Index(fields=["created_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.script.name} v{self.number}"


class Mount(models.Model):
    """A script version driving an agent from `since_tick` on. A mount is never repointed:
    a rotation or a remount ends it and starts a new one that inherits `memory`."""

    class Why(models.TextChoices):
        USER = "user", _("Unmounted by its user")
        STRIKES = "strikes", _("Too many failures in a row")
        ROTATED = "rotated", _("Replaced by a rotation")
        REMOUNTED = "remounted", _("Replaced by an operator's remount")
        RELEASED = "released", _("Its agent was released")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="mounts")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="mounts")
    script_version = models.ForeignKey(ScriptVersion, on_delete=models.PROTECT,
                                       related_name="mounts")
    mounted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    since_tick = models.BigIntegerField(help_text="The first tick this version decides.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    unmounted_at = models.DateTimeField(null=True, blank=True)
    unmounted_tick = models.BigIntegerField(null=True, blank=True)
    unmounted_why = models.CharField(max_length=10, choices=Why.choices, blank=True)
    memory = models.JSONField(default=dict, blank=True)
    last_decision = models.JSONField(default=dict, blank=True,
                                     help_text="The last decision the engine accepted.")
    last_decision_tick = models.BigIntegerField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The day of the last failure notification: at most one per mount and day.
    failure_notified_day = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["simulation_id", "agent_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent"], condition=Q(active=True),
                                    name="mount_one_active_per_agent"),
        ]
        indexes = [models.Index(fields=["simulation", "active"])]

    def __str__(self) -> str:
        return f"{self.script_version} on {self.agent}"


class Rotation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    mount = models.ForeignKey(Mount, on_delete=models.CASCADE, related_name="rotations")
    old_version = models.ForeignKey(ScriptVersion, on_delete=models.PROTECT, related_name="+")
    new_version = models.ForeignKey(ScriptVersion, on_delete=models.PROTECT,
                                    related_name="rotations")
    new_mount = models.ForeignKey(Mount, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    apply_at_day = models.BigIntegerField(help_text="Applied at the end of this day's last "
                                                    "tick (tick = day x ticks per day).")
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_tick = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mount"], condition=Q(status="pending"),
                                    name="rotation_one_pending_per_mount"),
        ]

    def __str__(self) -> str:
        return f"{self.mount} -> v{self.new_version.number} (day {self.apply_at_day})"


# The sandbox's failure kinds as choices ("bad_output" -> BAD_OUTPUT, "Bad output"), their
# labels translated (the sandbox imports no Django; it marks them for makemessages).
FailureKind = models.TextChoices(
    "FailureKind",
    [(kind.upper(), (kind, _(label))) for kind, label in FAILURE_KIND_LABELS.items()])


class ScriptFailure(models.Model):
    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE,
                                   related_name="script_failures")
    tick = models.BigIntegerField()
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="script_failures")
    mount = models.ForeignKey(Mount, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="failures")
    version = models.ForeignKey(ScriptVersion, on_delete=models.PROTECT, related_name="failures")
    # The script's owner, copied so "my failures" needs no join through versions and scripts.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="script_failures")
    kind = models.CharField(max_length=20, choices=FailureKind.choices)
    message = models.TextField(blank=True)
    traceback = models.TextField(blank=True, help_text="The script's own lines only.")
    observation_excerpt = models.JSONField(default=dict, blank=True)
    decision = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["simulation", "tick"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.agent} at tick {self.tick}"


class ScriptTickLog(models.Model):
    """What a script printed in one tick (capped by the sandbox and by the daily log quota).
    Only ticks with output have a row."""

    mount = models.ForeignKey(Mount, on_delete=models.CASCADE, related_name="tick_logs")
    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    tick = models.BigIntegerField()
    output = models.TextField()
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mount_id", "-tick"]
        constraints = [
            models.UniqueConstraint(fields=["mount", "tick"], name="script_tick_log_unique"),
        ]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"log of {self.mount_id} at tick {self.tick}"


class ScriptQuota(models.Model):
    """Per-user overrides; an empty field means the setting's default."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="script_quota")
    max_scripts = models.PositiveIntegerField(null=True, blank=True)
    versions_per_day = models.PositiveIntegerField(null=True, blank=True)
    max_source_bytes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_SOURCE_BYTES)])
    cpu_ms_per_tick = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_CPU_MS)],
        help_text="Fixed CPU budget per tick for all of the user's scripts (bypasses the "
                  "burst bucket); empty: the bucket decides.")
    log_bytes_per_day = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "script quota override"

    def __str__(self) -> str:
        return f"script quotas of {self.user}"
