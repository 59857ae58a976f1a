"""Operators' view of the quota ledger: every user with every quota, and the CPU buckets.

Registered from llm/admin.py for now (accounts/admin.py belongs to the platform); see
docs/architecture.md."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.models import CpuBucket, QuotaLedger
from accounts.quotas import QuotaUsage, quota_report_many


class _QuotaChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # One report for the whole page: each source answers for all its users at once.
        report = quota_report_many(user_ids=[user.pk for user in self.result_list])
        for user in self.result_list:
            user.quotas = report[user.pk]


def _quota_lines(quotas: list[QuotaUsage]) -> str:
    return format_html_join(
        "",
        '<div title="{}">{}: {} / {} {}</div>',
        ((q.name, q.label, q.used, q.limit, q.unit) for q in quotas),
    )


@admin.register(QuotaLedger)
class QuotaLedgerAdmin(admin.ModelAdmin):
    list_display = ("username", "email", "is_staff", "quotas_used")
    search_fields = ("username", "email")
    list_filter = ("is_staff", "is_active")
    fields = ("username", "quota_table")
    readonly_fields = ("username", "quota_table")
    ordering = ("username",)

    def get_changelist(self, request: HttpRequest, **kwargs: object) -> type[ChangeList]:
        return _QuotaChangeList

    # A view of users, not a way to edit them: read-only for everyone.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Quotas (used / limit, this period)")
    def quotas_used(self, user: QuotaLedger) -> str:
        return _quota_lines(getattr(user, "quotas", []))

    @admin.display(description="Quotas")
    def quota_table(self, user: QuotaLedger) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (q.label, q.used, q.limit, q.remaining, q.unit, q.resets_at or f"per {q.period}")
                for q in quota_report_many(user_ids=[user.pk])[user.pk]
            ),
        )
        return format_html(
            "<table><tr><th>Quota</th><th>Used</th><th>Limit</th><th>Remaining</th>"
            "<th>Unit</th><th>Resets</th></tr>{}</table>",
            rows,
        )


@admin.register(CpuBucket)
class CpuBucketAdmin(admin.ModelAdmin):
    list_display = ("user", "bucket_ms", "last_used_ms", "ticks", "updated_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    # Written by the tick (cpu_bucket_settle) only: operators read, they do not edit.
    readonly_fields = ("user", "bucket_ms", "last_used_ms", "ticks", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
