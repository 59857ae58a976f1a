"""Operators read backtests (and may delete them); nothing here starts or changes one."""

from __future__ import annotations

from django.contrib import admin

from lab.models import Backtest, BacktestArm


class ArmInline(admin.TabularInline):
    model = BacktestArm
    extra = 0
    can_delete = False
    fields = ("index", "kind", "label", "status", "reason", "ticks_done", "sandbox_calls",
              "cpu_ms", "hash_checked", "hash_matches", "heartbeat_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Backtest)
class BacktestAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "reason", "simulation_id", "agent_type",
                    "agent_engine_id", "start_tick", "ticks", "valid", "created_at")
    list_filter = ("status",)
    search_fields = ("owner__username",)
    inlines = [ArmInline]
    readonly_fields = [f.name for f in Backtest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
