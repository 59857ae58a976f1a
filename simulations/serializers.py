"""Input and output shapes of the simulations API (thin: validation of shape only; rules
live in the services and the engine)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from econsim_project.fields import Int64Field
from simulations.models import Agent, AgentType, DayRun, Scenario, Schedule, Shock, Simulation
from simulations.selectors import RunLiveness, day_runs_with_liveness


class SimulationOutputSerializer(serializers.ModelSerializer):
    day = serializers.IntegerField(
        read_only=True, help_text="The day of the last tick run: ticks 1..ticks_per_day are day "
                                  "1 (0 before the first tick), the `day` of the history rows.")
    days_completed = serializers.IntegerField(
        read_only=True, help_text="Whole days run: tick // ticks_per_day.")

    class Meta:
        model = Simulation
        fields = ["id", "name", "scenario", "status", "tick", "day", "days_completed",
                  "ticks_per_day",
                  "max_agents_per_user", "claimable_agent_types", "seed", "config",
                  "created_at", "archived_at"]


class AggregatesSerializer(serializers.Serializer):
    tick = serializers.IntegerField()
    day = serializers.IntegerField()
    data = serializers.DictField()


class SimulationDetailOutputSerializer(SimulationOutputSerializer):
    latest_aggregates = AggregatesSerializer(allow_null=True)

    class Meta(SimulationOutputSerializer.Meta):
        fields = [*SimulationOutputSerializer.Meta.fields, "latest_aggregates"]


class SimulationCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scenario = serializers.ChoiceField(choices=Scenario.choices, default=Scenario.BASELINE)
    config = serializers.DictField(required=False, default=dict)
    seed = Int64Field(min_value=0, max_value=2**63 - 1, default=0)
    ticks_per_day = Int64Field(min_value=1, max_value=settings.SIMULATION_MAX_TICKS_PER_RUN,
                               default=4, help_text="A day runs as one run: at most the run "
                                                    "limit, SIMULATION_MAX_TICKS_PER_RUN.")
    max_agents_per_user = Int64Field(min_value=0, max_value=1000, default=3)
    claimable_agent_types = serializers.MultipleChoiceField(
        choices=AgentType.choices, required=False,
        help_text="Agent types users may claim; default household, firm, bank (the "
                  "government and the central bank are then assigned by an operator).")
    status = serializers.ChoiceField(choices=[Simulation.Status.RUNNING,
                                              Simulation.Status.PAUSED],
                                     default=Simulation.Status.PAUSED)


    def validate_claimable_agent_types(self, value: set[str]) -> list[str]:
        return [t for t in AgentType.values if t in value]  # the engine's order, no repeats


class AgentOutputSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)

    class Meta:
        model = Agent
        fields = ["id", "agent_type", "engine_id", "owner", "claimed_at"]


class AgentFilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AgentType.choices, required=False)
    owner = serializers.CharField(required=False, trim_whitespace=False,
                                  help_text="`me` or a user id: agents claimed by them.")
    free = serializers.BooleanField(required=False, allow_null=True, default=None,
                                    help_text="true: unclaimed agents; false: claimed ones.")

    def validate_owner(self, value: str) -> int | str:
        if value == "me":
            return value
        # Int64Field: ASCII digits within bigint ("²".isdigit() is true, int("²") fails).
        user_id = Int64Field(min_value=1, error_messages={"invalid": "`me` or a user id."})
        return user_id.run_validation(value)


class StateOutputSerializer(serializers.Serializer):
    simulation_id = serializers.IntegerField()
    tick = serializers.IntegerField()
    state_hash = serializers.CharField()
    public = serializers.DictField(help_text="What scripts see as `public` at the next tick.")


class RunInputSerializer(serializers.Serializer):
    ticks = Int64Field(
        required=False, min_value=1, max_value=settings.SIMULATION_MAX_TICKS_PER_RUN,
        help_text="Default: the simulation's ticks per day.")
    fill = serializers.BooleanField(
        default=False, help_text="Run only the ticks left in the current day.")


class DayRunOutputSerializer(serializers.ModelSerializer):
    stale = serializers.SerializerMethodField(
        help_text="Queued or running, silent for longer than SIMULATION_RUN_STALE_SECONDS, and "
                  "nobody holds its simulation's lock: its worker died or its message was lost. "
                  "It is being queued again.")
    silent_seconds = serializers.SerializerMethodField(
        help_text="Seconds since its last sign of life (null once it is over).")

    class Meta:
        model = DayRun
        fields = ["id", "task_id", "mode", "requested_via", "expected_tick", "ticks_requested",
                  "ticks_done", "start_tick", "end_tick", "outcome", "error", "script_versions",
                  "created_at", "started_at", "finished_at", "heartbeat_at", "stale",
                  "silent_seconds", "requeue_count", "requeued_at"]

    def _liveness(self, run: DayRun) -> RunLiveness:
        if not hasattr(run, "liveness"):
            day_runs_with_liveness([run])
        return run.liveness

    def get_stale(self, run: DayRun) -> bool:
        return self._liveness(run).stale

    def get_silent_seconds(self, run: DayRun) -> int | None:
        return self._liveness(run).silent_seconds


class ShockInputSerializer(serializers.Serializer):
    """Shape only; the engine checks the values (`simulations.engine.shocks`)."""

    type = serializers.CharField()
    target = serializers.DictField(required=False)
    params = serializers.DictField(required=False)
    start_tick = Int64Field(required=False)
    duration_ticks = Int64Field(required=False)


class ShockOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shock
        fields = ["id", "shock_type", "target", "params", "start_tick", "duration_ticks",
                  "status", "applied_tick", "applied_at", "created_at"]


class ScheduleInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Schedule.Kind.choices)
    time_utc = serializers.TimeField(required=False, allow_null=True, default=None,
                                     help_text="daily: HH:MM in UTC.")
    every_minutes = Int64Field(required=False, allow_null=True, default=None,
                                             min_value=1, max_value=7 * 24 * 60)
    ticks = Int64Field(required=False, allow_null=True, default=None,
                                     min_value=1,
                                     max_value=settings.SIMULATION_MAX_TICKS_PER_RUN,
                                     help_text="Empty: fill the current day.")
    enabled = serializers.BooleanField(default=True)


class ScheduleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Schedule
        fields = ["id", "kind", "time_utc", "every_minutes", "ticks", "enabled", "created_at"]


class TaskOutputSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    state = serializers.CharField(help_text="PENDING, STARTED, PROGRESS, RETRY, SUCCESS, "
                                            "FAILURE")
    current = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField(allow_null=True)
    day_run = DayRunOutputSerializer(allow_null=True)


class StatusOutputSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    simulation = SimulationOutputSerializer()
