"""Integer input that fits the database: strict ASCII digits, within PostgreSQL's bigint.

DRF's IntegerField accepts any Unicode decimal digit ("١٢" is 12), surrounding spaces, a sign
and "1.0", and no bound at all, so a value past bigint reached the database and ended in a 500.
Every integer a user sends goes through `Int64Field` (serializers) or `int64_from_text` (code
that parses a query string by hand) or `Int64FormField` (the pages' and the admin's forms), so
it is refused by name first.
"""

from __future__ import annotations

import re

from django import forms
from rest_framework import serializers

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1

_ASCII_INT = re.compile(r"-?[0-9]+")
_MAX_DIGITS = 20  # longer texts are refused before int() (its cost is quadratic in length)


def int64_from_text(text: str) -> int | None:
    """The integer `text` spells in ASCII digits (optionally after "-"), or None if it spells
    none or one outside bigint."""
    if len(text) > _MAX_DIGITS or not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    return value if BIGINT_MIN <= value <= BIGINT_MAX else None


def _bigint_bounds(kwargs: dict[str, object]) -> dict[str, object]:
    """`kwargs` with min_value/max_value narrowed to bigint (tighter bounds given are kept)."""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    return {**kwargs, "min_value": BIGINT_MIN if low is None else max(low, BIGINT_MIN),
            "max_value": BIGINT_MAX if high is None else min(high, BIGINT_MAX)}


class Int64FormField(forms.IntegerField):
    """A form IntegerField bounded to bigint by default."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**_bigint_bounds(kwargs))


class Int64Field(serializers.IntegerField):
    """An IntegerField bounded to bigint by default (tighter bounds given are kept) that reads
    text as ASCII digits only."""

    default_error_messages = {"invalid": "A whole number in ASCII digits is required."}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**_bigint_bounds(kwargs))

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            if not _ASCII_INT.fullmatch(data):
                self.fail("invalid")
        return super().to_internal_value(data)
