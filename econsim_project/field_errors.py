"""One error shape for every user mistake, `(field, rule, params)` plus its message, and the one
translator from it to what the API, the admin's forms and the pages' forms show.

Services raise `field_error(field, rule, message, **params)` (a Django ValidationError keyed by
the field, the rule as its code); the engine raises ConfigError / DecisionError (field, rule).
`field_errors` reads any of them back as FieldErrors; `api_errors` renders those as JSON (with
the raw field names programs use), `form_add_errors` puts them on a form's fields,
`page_errors` and `errors_text` give them to a page, each after its human label
(`field_label`: "Agent: Another user has claimed this agent.", never "agent: ...").

Messages follow Django's rule: a message with params is a %-template formatted with them, a
message without params is the text itself. User text (a script's line, an exception message)
goes into params or into a message without params, so nothing is ever escaped or unescaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from simulations.engine.errors import ConfigError, DecisionError

FieldErrorSource = ValidationError | ConfigError | DecisionError

# What a person reads for the fields services and the engine name in their errors; a field not
# listed reads as its name with spaces ("ticks_per_day" -> "Ticks per day").
FIELD_LABELS = {
    "agent": _("Agent"), "agent_ref": _("Agent"), "agent_type": _("Agent type"),
    "claimable_agent_types": _("Claimable agent types"), "config": _("Configuration"),
    "day": _("Day"), "decision": _("Decision"), "duration_ticks": _("Duration (ticks)"),
    "every_minutes": _("Every (minutes)"), "kind": _("Kind"), "mode": _("Mode"),
    "mount": _("Mount"), "name": _("Name"), "params": _("Parameters"), "quota": _("Quota"),
    "scenario": _("Scenario"), "script": _("Script"), "script_version": _("Script version"),
    "seed": _("Seed"), "shock": _("Shock"), "simulation": _("Simulation"),
    "source": _("Source"), "start_tick": _("Start tick"), "status": _("Status"),
    "target": _("Target"), "tick": _("Tick"), "ticks": _("Ticks"),
    "ticks_per_day": _("Ticks per day"), "time_utc": _("Time (UTC)"), "version": _("Version"),
}


@dataclass(frozen=True)
class FieldError:
    field: str | None  # a dotted path ("params.factor"); None: the request as a whole
    rule: str
    message: str  # formatted, ready to show
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> int | None:
        """The script line an upload-time check points at (scripts' source errors)."""
        return self.params.get("line")


def field_error(field: str, rule: str, message: str, **params: Any) -> ValidationError:
    """The service-side error: `message` is formatted with `params` if any are given."""
    return ValidationError({field: ValidationError(message, code=rule, params=params or None)})


def _formatted(error: ValidationError) -> str:
    return str(error.message) % error.params if error.params else str(error.message)


def field_errors(exc: FieldErrorSource) -> list[FieldError]:
    """Every (field, rule, params) of a service's or the engine's error, in its order."""
    if isinstance(exc, ConfigError | DecisionError):
        return [FieldError(exc.field or "decision", "invalid", exc.rule)]
    if hasattr(exc, "error_dict"):
        return [FieldError(name, error.code or "invalid", _formatted(error), error.params or {})
                for name, errors in exc.error_dict.items() for error in errors]
    return [FieldError(None, error.code or exc.code or "invalid", _formatted(error),
                       error.params or {}) for error in exc.error_list]


def field_label(field: str) -> str:
    """The human label of an error's field; a key below it (a JSON key the user typed, as in
    "params.factor") follows as written: "Parameters (factor)"."""
    head, _dot, rest = field.partition(".")
    label = str(FIELD_LABELS.get(head, head.replace("_", " ").capitalize()))
    return f"{label} ({rest})" if rest else label


def _labelled(error: FieldError) -> str:
    if not error.field:
        return error.message
    return _("%(label)s: %(message)s") % {"label": field_label(error.field),
                                          "message": error.message}


def form_add_errors(form: forms.Form, exc: FieldErrorSource) -> None:
    """Put each error on the form field it names ("params.factor" goes on `params` as
    "factor: ..."), or on the form as a whole, after its field's label."""
    for error in field_errors(exc):
        head, _dot, rest = (error.field or "").partition(".")
        if head in form.fields:
            form.add_error(head, f"{rest}: {error.message}" if rest else error.message)
        else:
            form.add_error(None, _labelled(error))


def page_errors(exc: FieldErrorSource) -> list[dict[str, Any]]:
    """[{field, label, message, labelled, line, text}] for a page: `label` is the field's
    human label (None for the request as a whole), `labelled` the message after it, `text`
    the message without the "line N: " it starts with when the error points at a script line
    (shown at that line)."""
    return [{"field": e.field, "label": field_label(e.field) if e.field else None,
             "message": e.message, "labelled": _labelled(e), "line": e.line,
             "text": e.message.removeprefix(f"line {e.line}: ") if e.line else e.message}
            for e in field_errors(exc)]


def errors_text(exc: FieldErrorSource) -> str:
    """All errors in one line, each after its field's label (for a page's flash message);
    messages are sentences, so they follow one another with a space."""
    return " ".join(_labelled(e) for e in field_errors(exc))
