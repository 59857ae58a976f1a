"""Read-only views of the archive; the operator's recent-logs download lives on the tick logs."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.functional import cached_property

from econsim_project.fields import int64_from_text
from history.export import csv_response
from history.models import (
    AgentSnapshot,
    DecisionRecord,
    LedgerEntry,
    TickAggregate,
    TickAudit,
    TickLog,
    Trade,
)
from history.selectors import recent_tick_logs


class EstimatedCountPaginator(Paginator):
    """COUNT(*) over tens of millions of rows takes seconds; the planner's estimate is
    enough to number admin pages."""

    @cached_property
    def count(self) -> int:
        if connection.vendor != "postgresql" or self.object_list.query.where:
            return super().count
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                           [self.object_list.model._meta.db_table])
            row = cursor.fetchone()
        estimate = int(row[0]) if row else -1
        # Small or never-analysed tables (-1): the exact count is cheap and pages need it.
        return estimate if estimate > 1_000_000 else super().count


class ArchiveAdmin(admin.ModelAdmin):
    """Append-only: nothing is added, changed or deleted by hand."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TickLog)
class TickLogAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "tick", "day", "level", "message", "recorded_at")
    list_filter = ("level",)
    change_list_template = "admin/history/ticklog/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        recent = path("recent/", self.admin_site.admin_view(self.recent_view),
                      name="history_ticklog_recent")
        return [recent, *super().get_urls()]

    def recent_view(self, request: HttpRequest) -> HttpResponse:
        """CSV of the logs of a simulation's last N ticks (?simulation=<id>&ticks=<n>)."""
        if not request.user.is_staff:
            return HttpResponse(status=403)
        simulation_id = int64_from_text(request.GET.get("simulation", ""))
        ticks = int64_from_text(request.GET.get("ticks", "100"))
        if simulation_id is None or ticks is None:
            return HttpResponse("simulation: an integer id is required; ticks: an integer.",
                                status=400, content_type="text/plain")
        ticks = max(1, min(ticks, 100_000))
        return csv_response("tick_logs",
                            recent_tick_logs(simulation_id=simulation_id, ticks=ticks),
                            filename=f"simulation-{simulation_id}-recent-logs.csv")


@admin.register(Trade)
class TradeAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "tick", "market", "buyer_type", "buyer_id", "seller_type",
                    "seller_id", "quantity", "price", "value")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "tick", "phase", "kind", "debit_type", "debit_id",
                    "credit_type", "credit_id", "amount")


@admin.register(AgentSnapshot)
class AgentSnapshotAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "day", "tick", "agent_type", "agent_id")


@admin.register(TickAggregate)
class TickAggregateAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "tick", "day")


@admin.register(TickAudit)
class TickAuditAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "tick", "day", "all_passed", "rejected_decisions")
    list_filter = ("all_passed",)


@admin.register(DecisionRecord)
class DecisionRecordAdmin(ArchiveAdmin):
    list_display = ("simulation_id", "tick", "agent_type", "agent_id", "outcome", "rule",
                    "cpu_ms")
    list_filter = ("outcome",)
