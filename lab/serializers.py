"""Backtest input (hostile: every key checked, unknown ones refused) and output."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from econsim_project.fields import Int64Field
from lab.models import ArmKind, Backtest, BacktestArm
from lab.services import MAX_ARMS, ArmRequest
from simulations.models import Scenario

SIMPLE_ARMS = (ArmKind.CANDIDATE, ArmKind.MOUNTED, ArmKind.BASELINE)


class _StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo must not pass silently as a default)."""

    def to_internal_value(self, data: object) -> dict:
        errors = {}
        if isinstance(data, dict):
            errors = {key: [serializers.ErrorDetail("Unknown field.", "unknown_field")]
                      for key in data if key not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class _OtherVersion(_StrictSerializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    script = Int64Field(required=False, min_value=1)


@extend_schema_field({"oneOf": [
    {"type": "string", "enum": [str(kind) for kind in SIMPLE_ARMS]},
    {"type": "object", "required": ["version"], "additionalProperties": False,
     "properties": {"version": {"type": "integer", "minimum": 1},
                    "script": {"type": "integer", "minimum": 1,
                               "description": "Another script of yours of the same agent "
                                              "type (default: this one)."}}}]})
class ArmField(serializers.Field):
    """"candidate", "mounted", "baseline" or {"version": n[, "script": id]}."""

    default_error_messages = {
        "invalid": 'One of "candidate", "mounted", "baseline" or {{"version": n}}.',
    }

    def to_internal_value(self, data: object) -> ArmRequest:
        if isinstance(data, str):
            if data not in SIMPLE_ARMS:
                self.fail("invalid")
            return ArmRequest(kind=data)
        if isinstance(data, dict):
            other = _OtherVersion(data=data)
            other.is_valid(raise_exception=True)
            return ArmRequest(kind=ArmKind.VERSION, number=other.validated_data["version"],
                              script_id=other.validated_data.get("script"))
        self.fail("invalid")

    def to_representation(self, value: ArmRequest) -> object:
        return value.kind


class WorldInputSerializer(_StrictSerializer):
    scenario = serializers.ChoiceField(choices=Scenario.choices, default=Scenario.BASELINE)
    n_households = serializers.IntegerField(min_value=1,
                                            max_value=settings.LAB_FRESH_MAX_HOUSEHOLDS,
                                            required=False)
    n_firms = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    n_banks = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    seed = Int64Field(min_value=0, default=0)
    agent_id = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0,
                                        help_text="The engine id of the agent to drive.")


class BacktestCreateInputSerializer(_StrictSerializer):
    agent = Int64Field(required=False, min_value=1,
                       help_text="An agent you own (its simulation's archive is replayed).")
    start_tick = Int64Field(required=False, min_value=0,
                            help_text="A day end of the agent's simulation with a kept "
                                      "checkpoint.")
    world = WorldInputSerializer(required=False, help_text="A fresh world instead of an agent.")
    ticks = serializers.IntegerField(min_value=1, max_value=settings.LAB_BACKTEST_MAX_TICKS)
    arms = serializers.ListField(
        child=ArmField(), min_length=1, max_length=MAX_ARMS, required=False,
        help_text="Up to 4, no duplicates. Default: candidate, mounted (when the agent had a "
                  "script), baseline.")


class BacktestArmOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = BacktestArm
        fields = ["index", "kind", "label", "version_number", "status", "reason", "message",
                  "ticks_done", "sandbox_calls", "sandbox_calls_in_archive", "cpu_pool_ms",
                  "cpu_ms", "hash_checked", "hash_matches", "first_mismatch_tick",
                  "result_bytes", "summary", "started_at", "heartbeat_at", "finished_at"]


class BacktestOutputSerializer(serializers.ModelSerializer):
    script = serializers.IntegerField(source="script_version.script_id", allow_null=True,
                                      default=None)
    script_name = serializers.CharField(source="script_version.script.name", allow_null=True,
                                        default=None)
    version_number = serializers.IntegerField(source="script_version.number", allow_null=True,
                                              default=None)
    progress = serializers.SerializerMethodField()
    arms = BacktestArmOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Backtest
        fields = ["id", "status", "reason", "message", "cancel_requested", "script",
                  "script_name", "version_number", "simulation", "agent", "agent_type",
                  "agent_engine_id", "world", "seed", "start_tick", "ticks",
                  "archive_last_tick", "arm_ticks", "cpu_ms_per_call", "cpu_reserved_ms",
                  "cpu_used_ms", "valid", "progress", "arms", "summary", "created_at",
                  "started_at", "finished_at"]

    @extend_schema_field({"type": "object", "properties": {
        "ticks_done": {"type": "integer"}, "ticks_total": {"type": "integer"},
        "fraction": {"type": "number"}}})
    def get_progress(self, backtest: Backtest) -> dict:
        arms = list(backtest.arms.all())
        total = backtest.ticks * len(arms)
        done = sum(arm.ticks_done for arm in arms)
        return {"ticks_done": done, "ticks_total": total,
                "fraction": round(done / total, 4) if total else 0.0}


class SeriesQuerySerializer(_StrictSerializer):
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")
    arm = serializers.IntegerField(min_value=0, max_value=MAX_ARMS - 1, required=False)
