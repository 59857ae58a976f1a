"""One error shape for every user mistake, `(field, rule, params)` plus its message, and the one
translator from it to what the API, the admin's forms and the pages' forms show.

Services raise `field_error(field, rule, message, **params)` (a Django ValidationError keyed by
the field, the rule as its code); the engine raises ConfigError / DecisionError (field, rule).
`field_errors` reads any of them back as FieldErrors; `api_errors` renders those as JSON,
`form_add_errors` puts them on a form's fields, `page_errors` lists them for a page.

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

from simulations.engine.errors import ConfigError, DecisionError

FieldErrorSource = ValidationError | ConfigError | DecisionError


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


def form_add_errors(form: forms.Form, exc: FieldErrorSource) -> None:
    """Put each error on the form field it names ("params.factor" goes on `params` as
    "factor: ..."), or on the form as a whole, naming its field there."""
    for error in field_errors(exc):
        head, _, rest = (error.field or "").partition(".")
        if head in form.fields:
            form.add_error(head, f"{rest}: {error.message}" if rest else error.message)
        else:
            form.add_error(None, f"{error.field}: {error.message}" if error.field
                           else error.message)


def page_errors(exc: FieldErrorSource) -> list[dict[str, Any]]:
    """[{field, message, line, text}] for a page: `text` is the message without the
    "line N: " it starts with when the error points at a script line (shown at that line)."""
    return [{"field": e.field, "message": e.message, "line": e.line,
             "text": e.message.removeprefix(f"line {e.line}: ") if e.line else e.message}
            for e in field_errors(exc)]


def errors_text(exc: FieldErrorSource) -> str:
    """All errors in one line, each after the field it names (for a page's flash message)."""
    return "; ".join(f"{e.field}: {e.message}" if e.field else e.message
                     for e in field_errors(exc))
