"""Keyset pages over the archive, and the opaque cursor that carries a position.

Every list is ordered by (tick, id) (snapshots: (day, id)). Rows of a simulation are only ever
appended at higher ticks (one tick commits at a time under the simulation's lock), so a
position after the last row seen never skips or repeats a row while new ticks arrive.

Ledger entries and trades are paged by `history.block_pages` (ids computed from their batch
and per-agent tables). For the other lists, a filter on several agents (a participant's own
snapshots) becomes a UNION of per-agent branches, each an index range scan of at most
`limit + 1` rows; an OR of the conditions would make PostgreSQL read and sort every match.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, Protocol

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from rest_framework.exceptions import ErrorDetail, ValidationError

from econsim_project.fields import int64_from_text
from history.block_pages import BlockQuery


@dataclass(frozen=True)
class Query:
    """What to list: the filtered rows, optionally restricted to any of `branches`."""

    rows: QuerySet
    order: tuple[str, str] = ("tick", "id")
    branches: list[Q] | None = None  # None: no restriction; []: nothing visible
    distinct: bool = True  # branches may overlap (both sides of one posting)


class PositionedQuery(Protocol):
    """A list that computes a page's positions first (id blocks, balance histories)."""

    def positions(self, after: tuple[int, int] | None, skip: int,
                  count: int) -> list[tuple[int, int]]: ...

    def rows(self, positions: list[tuple[int, int]]) -> list[Any]: ...


@dataclass
class Page:
    rows: list[Any]
    after: tuple[int, int] | None = None  # position of the last row, when more rows follow
    has_more: bool = False


def cursor_encode(position: tuple[int, int]) -> str:
    raw = f"{position[0]}.{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(token: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        first, second = (int64_from_text(part) for part in raw.split("."))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        first = second = None
    if first is None or second is None:  # positions are bigint columns, in ASCII digits
        raise ValidationError(
            {"cursor": [ErrorDetail("Not a cursor this API returned.", "invalid")]})
    return (first, second)


def _after(rows: QuerySet, order: tuple[str, str], after: tuple[int, int] | None) -> QuerySet:
    if after is None:
        return rows
    # A row comparison is one index range condition; the OR form is not.
    return rows.filter(TupleGreaterThan(Tuple(F(order[0]), F(order[1])), after))


def _sliced(query: Query, after: tuple[int, int] | None, start: int, stop: int) -> QuerySet:
    rows = _after(query.rows, query.order, after).order_by(*query.order)
    if query.branches is None:
        return rows[start:stop]
    if len(query.branches) == 1:
        return rows.filter(query.branches[0])[start:stop]
    if not connection.features.supports_slicing_ordering_in_compound:
        return rows.filter(reduce(or_, query.branches))[start:stop]  # SQLite: small data
    parts = [rows.filter(branch)[:stop] for branch in query.branches]
    union = parts[0].union(*parts[1:], all=not query.distinct)
    return union.order_by(*query.order)[start:stop]


def page_fetch(*, query: Query | BlockQuery | PositionedQuery, after: tuple[int, int] | None = None,
               offset: int = 0, limit: int) -> Page:
    """One page of `limit` rows after the position `after`, or (compatibility) after skipping
    `offset` rows; `has_more` tells whether another page follows."""
    if not isinstance(query, Query):  # computes its positions, then fetches their rows
        positions = query.positions(after, offset, limit + 1)
        has_more = len(positions) > limit
        return Page(rows=query.rows(positions[:limit]),
                    after=positions[limit - 1] if has_more else None, has_more=has_more)
    if query.branches == []:
        return Page(rows=[])
    rows = list(_sliced(query, after, offset, offset + limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = None
    if has_more:
        last = rows[-1]
        position = (getattr(last, query.order[0]), getattr(last, query.order[1]))
    return Page(rows=rows, after=position, has_more=has_more)


def rows_iterate(*, query: Query | BlockQuery | PositionedQuery,
                 after: tuple[int, int] | None = None, chunk: int = 5000) -> Iterator[Any]:
    """Every row from `after` on, in keyset chunks: an export of any size holds one chunk in
    memory and no long-running transaction."""
    while True:
        page = page_fetch(query=query, after=after, limit=chunk)
        yield from page.rows
        if not page.has_more:
            return
        after = page.after
