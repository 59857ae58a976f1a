"""Forms of the operator console's parameter pages. They check shapes; the services and the
engine check the rules, and `form_add_errors` (econsim_project.field_errors) puts their errors
on the right field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from econsim_project.field_errors import form_add_errors
from econsim_project.fields import Int64FormField
from econsim_project.json_input import JsonInputError, json_loads_checked
from simulations.engine import ConfigError
from simulations.engine.config import Config
from simulations.engine.shocks import SHOCK_TYPES
from simulations.models import AgentType, Schedule, Simulation, claimable_by_default
from simulations.schedules import schedule_validate


class CheckedJSONField(forms.JSONField):
    """JSON read like the API's bodies: a depth cap, bigint integers, finite numbers (Django's
    own field lets Python's parser recurse into a RecursionError, a 500)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value not in self.empty_values and not self.disabled:
            try:
                json_loads_checked(value, max_depth=settings.API_JSON_MAX_DEPTH)
            except JsonInputError as exc:
                raise ValidationError(f"{exc.field}: {exc.message}", code=exc.rule) from None
        return super().to_python(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Re-displaying a refused value must not parse it again unchecked.
        if isinstance(data, str) and not self.disabled:
            try:
                json_loads_checked(data, max_depth=settings.API_JSON_MAX_DEPTH)
            except JsonInputError:
                return InvalidJSONInput(data)
        return super().bound_data(data, initial)


class RunForm(forms.Form):
    ticks = forms.IntegerField(
        required=False, min_value=1, max_value=settings.SIMULATION_MAX_TICKS_PER_RUN,
        help_text="Empty: the simulation's ticks per day.")


class TicksForm(forms.Form):
    ticks = forms.IntegerField(min_value=1, max_value=settings.SIMULATION_MAX_TICKS_PER_RUN)


class ShockForm(forms.Form):
    type = forms.ChoiceField(choices=[(t, t) for t in SHOCK_TYPES])
    target = CheckedJSONField(initial={"all": True}, required=False,
                             help_text='e.g. {"all": true}, {"random_share": 0.1}, '
                                       '{"ids": [1, 2]}, {"unemployed": true}')
    params = CheckedJSONField(initial=dict, required=False,
                             help_text='e.g. {"cents_per_household": 10000}, {"factor": 0.9}')
    start_tick = Int64FormField(required=False, min_value=0, help_text="Empty: the next tick.")
    duration_ticks = Int64FormField(initial=1, min_value=1)


def shock_spec(data: dict[str, Any]) -> dict[str, Any]:
    """The engine's shock request from the form's cleaned data."""
    spec = {"type": data["type"], "duration_ticks": data["duration_ticks"],
            "params": data.get("params") or {}}
    if data.get("target"):
        spec["target"] = data["target"]
    if data.get("start_tick") is not None:
        spec["start_tick"] = data["start_tick"]
    return spec


class ResetForm(forms.Form):
    day = Int64FormField(min_value=0, help_text="Go back to the end of this day (0: start).")


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, I am sure", required=True)


class ClaimableTypesField(forms.TypedMultipleChoiceField):
    """Which agent types users may claim, as checkboxes (stored as a list, engine order)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AgentType.choices, required=False,
                         widget=forms.CheckboxSelectMultiple, initial=claimable_by_default,
                         help_text="Users may claim agents of the ticked types; the others "
                                   "are assigned by an operator (Agents admin).", **kwargs)

    def clean(self, value: Any) -> list[str]:
        chosen = set(super().clean(value))
        return [t for t in AgentType.values if t in chosen]


class SimulationChangeForm(forms.ModelForm):
    claimable_agent_types = ClaimableTypesField()

    class Meta:
        model = Simulation
        fields = ["name", "max_agents_per_user", "claimable_agent_types"]


class SimulationAddForm(forms.ModelForm):
    """Creation: the engine validates scenario, config and seed before anything is written."""

    claimable_agent_types = ClaimableTypesField()

    class Meta:
        model = Simulation
        fields = ["name", "scenario", "config", "seed", "ticks_per_day", "max_agents_per_user",
                  "claimable_agent_types", "status"]
        field_classes = {"config": CheckedJSONField}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            Config.build(data["scenario"], data.get("config") or {})
            if not 0 <= data["seed"] < 2**63:
                raise ConfigError("seed", "int in [0, 2^63) required")
        except ConfigError as exc:  # a parameter's error goes on `config`, naming it
            form_add_errors(self, exc if exc.field == "seed"
                            else ConfigError(f"config.{exc.field}", exc.rule))
        return data


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["kind", "time_utc", "every_minutes", "ticks", "enabled"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("DELETE"):
            try:
                schedule_validate(kind=data["kind"], time_utc=data.get("time_utc"),
                                  every_minutes=data.get("every_minutes"),
                                  ticks=data.get("ticks"))
            except ValidationError as exc:
                form_add_errors(self, exc)
        return data
