"""Mounted under /api/simulations/<simulation_id>/history/ (econsim_project/urls.py)."""

from django.urls import path

from history import api

urlpatterns = [
    path("tick_logs/", api.TickLogListApi.as_view(), name="api-history-tick-logs"),
    path("tick_logs/recent/", api.RecentLogsDownloadApi.as_view(),
         name="api-history-recent-logs"),
    path("trades/", api.TradeListApi.as_view(), name="api-history-trades"),
    path("ledger/", api.LedgerListApi.as_view(), name="api-history-ledger"),
    path("snapshots/", api.SnapshotListApi.as_view(), name="api-history-snapshots"),
    path("balance/", api.BalanceListApi.as_view(), name="api-history-balance"),
    path("aggregates/", api.AggregateListApi.as_view(), name="api-history-aggregates"),
    path("audit/", api.AuditListApi.as_view(), name="api-history-audit"),
]
