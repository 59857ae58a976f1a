"""CSV exports of any size: rows stream out in keyset chunks as the client reads them."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

from history.pagination import Query, rows_iterate
from history.postings import KIND_ACCOUNTS
from simulations.engine.vocabulary import AGENT_TYPES, MARKETS


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` (and Accept: text/csv) through content negotiation. Successful
    exports are StreamingHttpResponses and errors are rendered as JSON by the project's
    exception handler (the API's error shape everywhere), so nothing else reaches here."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict | None = None) -> bytes:
        return JSONRenderer().render(data)


class _Line:
    """A file-like object whose write returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _agent(type_code: int, engine_id: int) -> str:
    return f"{AGENT_TYPES[type_code]}:{engine_id}"


def _text(value: str) -> str:
    """Free text (log lines may quote scripts' output) made inert for spreadsheets: a cell
    starting with = + - @ would be run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


Format = tuple[list[str], Callable[[Any], list[Any]]]

FORMATS: dict[str, Format] = {
    "tick_logs": (
        ["id", "tick", "day", "level", "message", "context", "recorded_at"],
        lambda r: [r.id, r.tick, r.day, r.level, _text(r.message), _json(r.context),
                   r.recorded_at.isoformat()],
    ),
    "trades": (
        ["id", "tick", "market", "buyer", "seller", "quantity", "price", "value"],
        lambda r: [r.id, r.tick, MARKETS[r.market], _agent(r.buyer_type, r.buyer_id),
                   _agent(r.seller_type, r.seller_id), r.quantity, r.price, r.value],
    ),
    "ledger": (
        ["id", "tick", "phase", "kind", "debit_account", "debit_agent", "credit_account",
         "credit_agent", "amount"],
        lambda r: [r.id, r.tick, r.phase, r.kind, KIND_ACCOUNTS.get(r.kind, ("", ""))[0],
                   _agent(r.debit_type, r.debit_id), KIND_ACCOUNTS.get(r.kind, ("", ""))[1],
                   _agent(r.credit_type, r.credit_id), r.amount],
    ),
    "snapshots": (
        ["id", "day", "tick", "agent", "balance_sheet", "state"],
        lambda r: [r.id, r.day, r.tick, _agent(r.agent_type, r.agent_id),
                   _json(r.balance_sheet), _json(r.state)],
    ),
    "balances": (
        ["tick", "day", "source", "agent", "balance_sheet"],
        lambda r: [r.tick, r.day, r.source, _agent(r.agent_type, r.agent_id),
                   _json(r.balance_sheet)],
    ),
    "audit": (
        ["tick", "day", "all_passed", "invariants", "tfm", "sector_saving", "state_hash",
         "rejected_decisions"],
        lambda r: [r.tick, r.day, r.all_passed, _json(r.invariants), _json(r.tfm),
                   _json(r.sector_saving), r.state_hash, r.rejected_decisions],
    ),
}


def _csv_lines(table: str, query: Query, after: tuple[int, int] | None,
               fields: list[str] | None) -> Iterator[str]:
    writer = csv.writer(_Line())
    rows = rows_iterate(query=query, after=after)
    if table == "aggregates":
        # Series names come from the data: the requested ones, else the first row's.
        first = next(rows, None)
        names = fields or (sorted(first.data) if first is not None else [])
        yield writer.writerow(["tick", "day", *names])
        if first is None:
            return
        for row in _chain(first, rows):
            yield writer.writerow([row.tick, row.day, *(row.data.get(n, "") for n in names)])
        return
    header, to_row = FORMATS[table]
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(to_row(row))


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def csv_response(table: str, query: Query, *, filename: str,
                 after: tuple[int, int] | None = None,
                 fields: list[str] | None = None) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(table, query, after, fields),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
