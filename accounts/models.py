from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What a user shows of themselves: nickname and avatar (an uploaded image or a URL)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    nickname = models.CharField(max_length=40, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user.username} ({self.display_name})"

    @property
    def display_name(self) -> str:
        return self.nickname or self.user.username

    @property
    def avatar_src(self) -> str:
        """An uploaded image wins over a URL; without either, the default silhouette."""
        if self.avatar:
            return self.avatar.url
        return self.avatar_url or static("img/avatar.svg")


class CpuBucket(models.Model):
    """A user's script CPU burst bucket (Screeps-style): each tick grants SCRIPT_CPU_MS_PER_TICK;
    what a tick leaves unused accrues here up to SCRIPT_CPU_BUCKET_CAP_MS, and a heavy tick
    may draw on it. Written only by accounts.cpu_bucket.cpu_bucket_settle."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cpu_bucket"
    )
    bucket_ms = models.PositiveIntegerField(default=0)
    last_used_ms = models.PositiveIntegerField(default=0, help_text="CPU used in the last tick.")
    ticks = models.PositiveBigIntegerField(default=0, help_text="Ticks settled so far.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "script CPU bucket"

    def __str__(self) -> str:
        return f"CPU bucket of user {self.user_id}: {self.bucket_ms} ms"


class QuotaLedger(User):
    """Every user with every quota (accounts/quotas.py), for operators in the admin."""

    class Meta:
        proxy = True
        verbose_name = "quota ledger"
        verbose_name_plural = "quota ledger"


class Notification(models.Model):
    """Something a user should know about: a script failure, an auto-unmount, a rotation
    applied, a day finished. Written only by accounts.services.notification_create."""

    class Kind(models.TextChoices):
        SCRIPT_FAILURE = "script_failure", _("Script failure")
        SCRIPT_UNMOUNTED = "script_unmounted", _("Script unmounted")
        ROTATION_APPLIED = "rotation_applied", _("Rotation applied")
        DAY_FINISHED = "day_finished", _("Day finished")
        SYSTEM = "system", _("System")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"
