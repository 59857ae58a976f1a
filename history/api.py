"""The history API: one thin list view per archive table, JSON pages or a streamed CSV.

GET /api/simulations/{id}/history/<table>/?<filters>&limit=&cursor=   a page + `next` link
GET /api/simulations/{id}/history/<table>/?<filters>&format=csv        every matching row
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from history import selectors
from history import serializers as s
from history.export import CSVRenderer, csv_response
from history.pagination import Query, cursor_decode, cursor_encode, page_fetch
from history.selectors import Access

_ERRORS = {
    400: OpenApiResponse(description="A filter is invalid; the body names it."),
    403: OpenApiResponse(description="Another participant's agent, or an operators' list."),
    404: OpenApiResponse(description="No such simulation (also: archived, or you take no "
                                     "part in it)."),
}


def _list_schema(summary: str, filters: type[s.PageInputSerializer],
                 row: type[serializers.Serializer], description: str) -> Callable:
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[filters],
        responses={
            (200, "application/json"): s.page_serializer(
                f"{row.__name__.removesuffix('OutputSerializer')}Page", row),
            (200, "text/csv"): OpenApiTypes.STR,
            **_ERRORS,
        },
        tags=["history"],
    )


def _link(request: Request, **replace: str) -> str:
    """This request's URL with the paging parameters replaced (filters kept as sent)."""
    params = request.query_params.copy()
    for name in ("cursor", "offset"):
        params.pop(name, None)
    params.update(replace)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class HistoryListApi(APIView):
    """Validate the filters, ask a selector for the rows, page or stream them."""

    renderer_classes: ClassVar = [JSONRenderer, CSVRenderer]
    filters: ClassVar[type[s.PageInputSerializer]]
    output: ClassVar[type[serializers.Serializer]]
    table: ClassVar[str]
    selector: ClassVar[Callable[..., Query]]  # keyword-only: access + the validated filters

    def query(self, access: Access, filters: dict[str, Any]) -> Query:
        return type(self).selector(access=access, **filters)

    def list(self, request: Request, simulation_id: int) -> Response:
        # Who asks comes first: strangers learn nothing from the validation of their filters.
        access = selectors.history_access(simulation_id=simulation_id, user=request.user)
        data = self.filters(data=request.query_params)
        data.is_valid(raise_exception=True)
        filters = dict(data.validated_data)
        limit = filters.pop("limit")
        offset_mode = "offset" in filters  # offset=0 too: stay in the mode the client chose
        token, offset = filters.pop("cursor", None), filters.pop("offset", 0)
        after = cursor_decode(token) if token else None
        filters.pop("format", None)
        wants_csv = request.accepted_renderer.format == "csv"  # ?format=csv or Accept
        query = self.query(access, filters)
        if wants_csv:
            return csv_response(self.table, query, after=after,
                                fields=self.context(filters).get("fields"),
                                filename=f"simulation-{simulation_id}-{self.table}.csv")
        page = page_fetch(query=query, after=after, offset=offset, limit=limit)
        rows = self.output(page.rows, many=True, context=self.context(filters)).data
        next_url = None
        if page.has_more:
            step = {"offset": str(offset + limit)} if offset_mode else {
                "cursor": cursor_encode(page.after)}
            next_url = _link(request, **step)
        return Response({"results": rows, "next": next_url})

    def context(self, filters: dict[str, Any]) -> dict[str, Any]:
        return {}


class TickLogListApi(HistoryListApi):
    filters = s.TickLogFilterSerializer
    output = s.TickLogOutputSerializer
    table = "tick_logs"

    selector = selectors.tick_logs_query

    @_list_schema("Tick logs", s.TickLogFilterSerializer, s.TickLogOutputSerializer,
                  "Log lines of the simulation's ticks, oldest first. Public to participants.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class TradeListApi(HistoryListApi):
    filters = s.TradeFilterSerializer
    output = s.TradeOutputSerializer
    table = "trades"

    selector = selectors.trades_query

    @_list_schema("Trades", s.TradeFilterSerializer, s.TradeOutputSerializer,
                  "Trades of the goods, labour and credit markets. Participants see the "
                  "trades of their own agents, operators all.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class LedgerListApi(HistoryListApi):
    filters = s.LedgerFilterSerializer
    output = s.LedgerEntryOutputSerializer
    table = "ledger"

    selector = selectors.ledger_query

    @_list_schema("Ledger entries", s.LedgerFilterSerializer, s.LedgerEntryOutputSerializer,
                  "Every posting, in cents. Participants see the entries of their own agents "
                  "(either side), operators all.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class SnapshotListApi(HistoryListApi):
    filters = s.SnapshotFilterSerializer
    output = s.SnapshotOutputSerializer
    table = "snapshots"

    selector = selectors.snapshots_query

    @_list_schema("Agent snapshots", s.SnapshotFilterSerializer, s.SnapshotOutputSerializer,
                  "Balance sheet and state of agents at each day's end. Participants see "
                  "their own agents, operators all.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class BalanceListApi(HistoryListApi):
    filters = s.BalanceFilterSerializer
    output = s.BalanceOutputSerializer
    table = "balances"

    selector = selectors.balances_query

    @_list_schema("Balance-sheet history of one agent", s.BalanceFilterSerializer,
                  s.BalanceOutputSerializer,
                  "One row per tick: the balance sheet after each tick the agent had an owner, "
                  "the day-end snapshot for the other days. `agent` is required; participants "
                  "see their own agents, operators all.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class AggregateListApi(HistoryListApi):
    filters = s.AggregateFilterSerializer
    output = s.AggregateOutputSerializer
    table = "aggregates"

    def query(self, access: Access, filters: dict[str, Any]) -> Query:
        names = filters.pop("fields", None)
        if names:
            selectors.aggregate_fields_check(access=access, fields=names)
        self.series = names
        return selectors.aggregates_query(access=access, **filters)

    def context(self, filters: dict[str, Any]) -> dict[str, Any]:
        return {"fields": self.series}

    @_list_schema("Macro series", s.AggregateFilterSerializer, s.AggregateOutputSerializer,
                  "The aggregates of each tick (GDP, prices, employment, money...). Public to "
                  "participants; `fields` keeps only the named series.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class AuditListApi(HistoryListApi):
    filters = s.TickRangeInputSerializer
    output = s.AuditOutputSerializer
    table = "audit"

    selector = selectors.audit_query

    @_list_schema("Tick audit", s.TickRangeInputSerializer, s.AuditOutputSerializer,
                  "Each tick's invariant results and transaction-flow matrix sums. Public to "
                  "participants.")
    def get(self, request: Request, simulation_id: int) -> Response:
        return self.list(request, simulation_id)


class RecentLogsDownloadApi(APIView):
    """The operator's download of the latest ticks' logs, as a CSV file."""

    renderer_classes: ClassVar = [JSONRenderer, CSVRenderer]

    @extend_schema(
        summary="Download recent tick logs (operators)",
        parameters=[s.RecentLogsInputSerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, **_ERRORS},
        tags=["history"],
    )
    def get(self, request: Request, simulation_id: int) -> Response:
        access = selectors.history_access(simulation_id=simulation_id, user=request.user)
        data = s.RecentLogsInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        query = selectors.recent_logs_query(access=access, ticks=data.validated_data["ticks"])
        return csv_response("tick_logs", query,
                            filename=f"simulation-{simulation_id}-recent-logs.csv")
