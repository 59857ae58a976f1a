from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from accounts.quotas_api import QuotaSerializer
from econsim_project.fields import Int64Field
from llm.models import LlmUsage

MAX_MESSAGES = 100
MAX_CONTENT_CHARS = 32_000


class _StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo must not pass silently as a default)."""

    def to_internal_value(self, data: object) -> dict:
        errors = {}
        if isinstance(data, dict):
            errors = {
                key: [serializers.ErrorDetail("Unknown field.", "unknown_field")]
                for key in data
                if key not in self.fields
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class TextField(serializers.CharField):
    """A JSON string; DRF's CharField would also take 5 or true and make text of them."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MessageSerializer(_StrictSerializer):
    """One chat message."""

    role = serializers.ChoiceField(choices=["system", "user", "assistant"])
    content = TextField(max_length=MAX_CONTENT_CHARS, allow_blank=True, trim_whitespace=False)


class CompletionInputSerializer(_StrictSerializer):
    """Exactly one of messages and prompt; unknown keys are refused."""

    model = serializers.ChoiceField(
        choices=[], required=False, help_text="One of LLM_MODELS; default LLM_DEFAULT_MODEL."
    )
    messages = serializers.ListField(
        child=MessageSerializer(), required=False, allow_empty=False, max_length=MAX_MESSAGES
    )
    prompt = TextField(
        required=False,
        max_length=MAX_CONTENT_CHARS,
        trim_whitespace=False,
        help_text="Shorthand for messages=[{role: user, content: prompt}].",
    )
    max_tokens = Int64Field(
        required=False, min_value=1, help_text="At most LLM_MAX_TOKENS_CAP."
    )
    temperature = serializers.FloatField(required=False, min_value=0.0, max_value=2.0)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Read per request, not at import, so the allowlist follows the settings.
        self.fields["model"].choices = settings.LLM_MODELS

    def validate_max_tokens(self, value: int) -> int:
        cap = settings.LLM_MAX_TOKENS_CAP
        if value > cap:
            raise serializers.ValidationError(
                f"Ensure this value is less than or equal to {cap}.", code="max_value"
            )
        return value

    def validate(self, attrs: dict) -> dict:
        has_messages, has_prompt = "messages" in attrs, "prompt" in attrs
        if has_messages and has_prompt:
            raise serializers.ValidationError(
                {
                    "prompt": serializers.ErrorDetail(
                        "Send either messages or prompt, not both.", "exclusive"
                    )
                }
            )
        if not has_messages and not has_prompt:
            raise serializers.ValidationError(
                {"messages": serializers.ErrorDetail("Send messages or a prompt.", "required")}
            )
        if has_prompt:
            attrs["messages"] = [{"role": "user", "content": attrs.pop("prompt")}]
        return attrs


class UsageSerializer(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class CompletionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="usage.id", help_text="The usage record of this call.")
    provider = serializers.CharField(source="usage.provider")
    model = serializers.CharField(source="usage.model")
    text = serializers.CharField()
    finish_reason = serializers.ChoiceField(choices=["stop", "length"])
    usage = UsageSerializer()
    latency_ms = serializers.IntegerField(source="usage.latency_ms")
    quotas = QuotaSerializer(many=True, help_text="The caller's LLM limits after this call.")


class UsageRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = LlmUsage
        fields = [
            "id",
            "user",
            "created_at",
            "provider",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "latency_ms",
            "outcome",
            "detail",
        ]


class UsageListInputSerializer(serializers.Serializer):
    user = Int64Field(
        required=False, min_value=1, help_text="Operators only: another user's id."
    )


class UsageDailyInputSerializer(UsageListInputSerializer):
    days = Int64Field(required=False, min_value=1, max_value=366, default=30)


class UsageDailySerializer(serializers.Serializer):
    day = serializers.DateField()
    model = serializers.CharField()
    requests = serializers.IntegerField()
    ok = serializers.IntegerField()
    rate_limited = serializers.IntegerField()
    failed = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    mean_latency_ms = serializers.FloatField(allow_null=True)
