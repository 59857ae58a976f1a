"""Form input of the product pages, and service errors turned into messages per field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from econsim_project.fields import Int64FormField
from simulations.models import AgentType


class ClaimForm(forms.Form):
    simulation = Int64FormField(min_value=1)
    agent_type = forms.ChoiceField(choices=AgentType.choices, label=_("Agent type"))
    engine_id = Int64FormField(min_value=0, required=False, label=_("Agent id"),
                                   help_text=_("Empty: the first free one."))


class RangeForm(forms.Form):
    """The economy tab's tick and day range (all optional)."""

    tick_from = Int64FormField(min_value=0, required=False, label=_("From tick"))
    tick_to = Int64FormField(min_value=0, required=False, label=_("To tick"))
    day_from = Int64FormField(min_value=0, required=False, label=_("From day"))
    day_to = Int64FormField(min_value=0, required=False, label=_("To day"))


class ScriptCreateForm(forms.Form):
    name = forms.CharField(max_length=80, label=_("Name"))
    agent_type = forms.ChoiceField(choices=AgentType.choices, label=_("Agent type"))


class VersionForm(forms.Form):
    source = forms.CharField(strip=False, widget=forms.Textarea, label=_("Source"))


class AgentChoiceForm(forms.Form):
    agent = Int64FormField(min_value=1, required=False)


class RotationForm(forms.Form):
    mount = Int64FormField(min_value=1)


class RunForm(forms.Form):
    mode = forms.ChoiceField(choices=[("day", "day"), ("fill", "fill")])


def service_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """[{field, message, line, text}] of a service's ValidationError; `line` is the script line
    an upload-time check points at (the `line` param scripts_lib puts on each source error) and
    `text` the message without its "line N: " prefix."""
    out = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                params = error.params or {}
                message = _formatted(error.message, params)
                line = params.get("line")
                # Shown at its line, the message need not start by naming it.
                prefix = f"line {line}: "
                out.append({"field": name, "message": message, "line": line,
                            "text": message.removeprefix(prefix) if line else message})
    else:
        out = [{"field": None, "message": message, "line": None, "text": message}
               for message in exc.messages]
    return out


def errors_text(exc: ValidationError) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                     for e in service_errors(exc))


def _formatted(message: str, params: dict[str, Any]) -> str:
    # scripts_lib escapes % in messages without params: formatting with {} unescapes them.
    try:
        return str(message) % params
    except (TypeError, ValueError, KeyError):
        return str(message)
