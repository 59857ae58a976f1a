"""JSON from users, checked before any code sees it: nesting depth, integers that fit bigint,
finite numbers. The API's parser and the operator forms' JSON fields both read through here.

Python's parser recurses once per nesting level, so a body nested some thousand levels deep
raised RecursionError (a 500); integers have no bound and a 20-digit one reached PostgreSQL as
a bigint overflow; "1e999" parsed as infinity. Each is now an error naming the JSON path.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from econsim_project.fields import BIGINT_MAX, BIGINT_MIN


@dataclass(frozen=True)
class JsonInputError(Exception):
    field: str  # the JSON path ("params.ids.3"), or "body" for the document as a whole
    rule: str
    message: str


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def json_loads_checked(text: str | bytes, *, max_depth: int) -> Any:
    """The value of `text`, or JsonInputError: malformed (`parse_error`), nested deeper than
    `max_depth` containers (`too_deep`), an integer outside bigint (`max_value`/`min_value`),
    a number too large for a float (`finite`)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # the C parser stops cleanly at the interpreter's recursion limit
        raise JsonInputError("body", "too_deep",
                             f"JSON nested deeper than {max_depth} levels.") from None
    except ValueError as exc:  # JSONDecodeError, undecodable bytes, an integer of 4300+ digits
        raise JsonInputError("body", "parse_error", f"JSON parse error - {exc}") from None
    _check(value, max_depth)
    return value


def _check(value: Any, max_depth: int) -> None:
    """Walk the parsed value without recursion (it may still be a few hundred levels deep)."""
    stack: list[tuple[Any, tuple[str, ...], int]] = [(value, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        field = ".".join(path) or "body"
        if isinstance(node, dict | list):
            if depth >= max_depth:
                raise JsonInputError(field, "too_deep",
                                     f"JSON nested deeper than {max_depth} levels.")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((child, (*path, str(key)), depth + 1) for key, child in items)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if node > BIGINT_MAX:
                raise JsonInputError(field, "max_value", "Ensure this value is less than or "
                                                         f"equal to {BIGINT_MAX}.")
            if node < BIGINT_MIN:
                raise JsonInputError(field, "min_value", "Ensure this value is greater than or "
                                                         f"equal to {BIGINT_MIN}.")
        elif isinstance(node, float) and not math.isfinite(node):
            raise JsonInputError(field, "finite", "Numbers must be finite.")
