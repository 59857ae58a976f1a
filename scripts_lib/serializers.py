from __future__ import annotations

from rest_framework import serializers

from econsim_project.fields import Int64Field
from scripts_lib.models import Mount, Rotation, Script, ScriptFailure, ScriptVersion
from simulations.models import AgentType, Scenario


class ScriptCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    agent_type = serializers.ChoiceField(choices=AgentType.choices)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False,
                                        default="")


class ScriptUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    hide_name = serializers.BooleanField(
        required=False, help_text="Leaderboards show 'hidden' instead of the script's name.")


class ScriptOutputSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    version_count = serializers.IntegerField(read_only=True, default=0)
    latest_version = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    last_version_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None,
                                                help_text="When its latest version was saved.")

    class Meta:
        model = Script
        fields = ["id", "name", "agent_type", "description", "hide_name", "owner",
                  "version_count", "latest_version", "last_version_at", "created_at",
                  "updated_at"]


class VersionCreateInputSerializer(serializers.Serializer):
    # Whitespace is part of Python: never trimmed. The size rule is the owner's quota, checked
    # by the service with a friendly message.
    source = serializers.CharField(trim_whitespace=False, allow_blank=True)


class VersionOutputSerializer(serializers.ModelSerializer):
    script = serializers.IntegerField(source="script_id", read_only=True)
    active_mounts = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = ScriptVersion
        fields = ["id", "script", "number", "sha256", "size_bytes", "created_at",
                  "checks_passed", "check_report", "active_mounts"]


class VersionDetailOutputSerializer(VersionOutputSerializer):
    class Meta(VersionOutputSerializer.Meta):
        fields = [*VersionOutputSerializer.Meta.fields, "source"]


class DryRunInputSerializer(serializers.Serializer):
    agent = Int64Field(min_value=1, required=False,
                                     help_text="An agent you claimed (its live observation); "
                                               "omit for a sample observation.")
    memory = serializers.DictField(required=False, help_text="Memory to pass instead of the "
                                                              "agent's current one.")
    scenario = serializers.ChoiceField(choices=Scenario.choices, default=Scenario.BASELINE,
                                       help_text="Scenario of the sample world (no agent).")


class DryRunSourceInputSerializer(DryRunInputSerializer):
    # As an upload's: whitespace kept; the size and parse rules are the service's checks.
    source = serializers.CharField(trim_whitespace=False, allow_blank=True,
                                   help_text="The text to run; no version is created.")


class ValidationOutputSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    field = serializers.CharField(allow_null=True)
    rule = serializers.CharField(allow_null=True)


class DryRunOutputSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    decision = serializers.DictField(allow_null=True)
    memory = serializers.DictField(allow_null=True)
    log = serializers.CharField(allow_blank=True)
    cpu_ms = serializers.FloatField()
    failure_kind = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    traceback = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField(allow_null=True)
    validation = ValidationOutputSerializer()
    observation_source = serializers.ChoiceField(choices=["agent", "sample"])
    agent = serializers.CharField()
    tick = serializers.IntegerField()
    observation = serializers.DictField(help_text="The observation the script saw (its "
                                                  "memory is handed in beside it).")


class MountCreateInputSerializer(serializers.Serializer):
    agent = Int64Field(min_value=1)
    script_version = Int64Field(min_value=1)


class AgentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agent_type = serializers.CharField()
    engine_id = serializers.IntegerField()


class MountOutputSerializer(serializers.ModelSerializer):
    agent = AgentRefSerializer(read_only=True)
    script = serializers.IntegerField(source="script_version.script_id", read_only=True)
    script_name = serializers.CharField(source="script_version.script.name", read_only=True)
    version_number = serializers.IntegerField(source="script_version.number", read_only=True)
    mounted_by = serializers.CharField(source="mounted_by.username", read_only=True,
                                       allow_null=True, default=None)

    class Meta:
        model = Mount
        fields = ["id", "simulation", "agent", "script", "script_name", "script_version",
                  "version_number", "mounted_by", "since_tick", "active", "created_at",
                  "unmounted_at", "unmounted_tick", "unmounted_why", "consecutive_failures",
                  "memory"]


class RotationCreateInputSerializer(serializers.Serializer):
    mount = Int64Field(min_value=1)
    script_version = Int64Field(min_value=1)


class RotationOutputSerializer(serializers.ModelSerializer):
    agent = AgentRefSerializer(source="mount.agent", read_only=True)
    apply_at_tick = serializers.SerializerMethodField()

    class Meta:
        model = Rotation
        fields = ["id", "mount", "agent", "old_version", "new_version", "new_mount", "status",
                  "apply_at_day", "apply_at_tick", "requested_at", "applied_at",
                  "applied_tick", "note"]

    def get_apply_at_tick(self, rotation: Rotation) -> int:
        return rotation.apply_at_day * rotation.mount.simulation.ticks_per_day


class FailureFilterSerializer(serializers.Serializer):
    simulation = Int64Field(min_value=1, required=False)
    script = Int64Field(min_value=1, required=False)


class FailureOutputSerializer(serializers.ModelSerializer):
    agent = AgentRefSerializer(read_only=True)
    script = serializers.IntegerField(source="version.script_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = ScriptFailure
        fields = ["id", "simulation", "tick", "agent", "mount", "script", "version",
                  "version_number", "kind", "message", "traceback", "observation_excerpt",
                  "decision", "created_at"]
