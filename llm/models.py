from __future__ import annotations

from django.conf import settings
from django.db import models


class LlmLimitOverride(models.Model):
    """An operator's exception to the default LLM limits for one user; empty = the default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="llm_limit_override"
    )
    requests_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: LLM_REQUESTS_PER_MINUTE. 0 blocks the user."
    )
    tokens_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: LLM_TOKENS_PER_DAY. 0 blocks the user."
    )
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "LLM limit override"

    def __str__(self) -> str:
        return f"LLM limits of user {self.user_id}"


class LlmUsage(models.Model):
    """One completion request, whatever became of it (kept for the user, operators and quotas)."""

    class Outcome(models.TextChoices):
        OK = "ok", "ok"
        UPSTREAM_ERROR = "upstream_error", "upstream error"
        TIMEOUT = "timeout", "timeout"
        RATE_LIMITED = "rate_limited", "rate limited"
        INVALID = "invalid", "invalid"

    # Outcomes that took a request slot of the per-minute limit (the call was admitted).
    ADMITTED = (Outcome.OK, Outcome.UPSTREAM_ERROR, Outcome.TIMEOUT)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="llm_usages"
    )
    created_at = models.DateTimeField(help_text="When the request arrived.")
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(
        max_length=200, blank=True, help_text="The rule that refused or failed the request."
    )

    class Meta:
        verbose_name = "LLM usage record"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="llm_usage_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.model} {self.outcome} at {self.created_at:%Y-%m-%d %H:%M:%S}"
