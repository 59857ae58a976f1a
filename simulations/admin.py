"""Read-only admin pages of the simulations' own rows: checkpoints, shocks and day runs. The
operator console (simulations and agents, with their actions) is `orchestration/admin.py`:
its actions reach the runs, the archive and the scripts."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from simulations.models import Checkpoint, DayRun, Shock


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ("simulation", "tick", "kind", "size_bytes", "state_hash", "created_at")
    list_filter = ("kind",)
    list_select_related = ("simulation",)
    exclude = ("state",)
    readonly_fields = ("simulation", "tick", "kind", "state_hash", "size_bytes", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Shock)
class ShockAdmin(admin.ModelAdmin):
    list_display = ("simulation", "shock_type", "start_tick", "duration_ticks", "status",
                    "applied_tick")
    list_filter = ("shock_type", "status")
    list_select_related = ("simulation",)
    readonly_fields = ("simulation", "shock_type", "target", "params", "start_tick",
                       "duration_ticks", "status", "applied_tick", "applied_at", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # through the simulation's "Apply a shock" action (engine-validated)


@admin.register(DayRun)
class DayRunAdmin(admin.ModelAdmin):
    list_display = ("simulation", "mode", "requested_via", "requested_by", "expected_tick",
                    "ticks_requested", "ticks_done", "outcome", "heartbeat_at", "requeue_count",
                    "created_at", "finished_at")
    list_filter = ("outcome", "requested_via", "mode")
    list_select_related = ("simulation", "requested_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DayRun | None = None) -> bool:
        return False
