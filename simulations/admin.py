from django.contrib import admin

from simulations.models import Agent, Checkpoint, DayRun, Shock, Simulation


@admin.register(Simulation)
class SimulationAdmin(admin.ModelAdmin):
    list_display = ("name", "scenario", "status", "tick", "day", "ticks_per_day", "archived_at")
    list_filter = ("status", "scenario")
    search_fields = ("name",)
    readonly_fields = ("tick", "created_at", "updated_at")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("simulation", "agent_type", "engine_id", "owner", "claimed_at")
    list_filter = ("agent_type", "simulation")
    list_select_related = ("simulation", "owner")
    raw_id_fields = ("owner",)


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ("simulation", "tick", "kind", "size_bytes", "state_hash", "created_at")
    list_filter = ("kind",)
    list_select_related = ("simulation",)
    exclude = ("state",)
    readonly_fields = ("simulation", "tick", "kind", "state_hash", "size_bytes", "created_at")


@admin.register(Shock)
class ShockAdmin(admin.ModelAdmin):
    list_display = ("simulation", "shock_type", "start_tick", "duration_ticks", "status")
    list_filter = ("shock_type", "status")
    list_select_related = ("simulation",)


@admin.register(DayRun)
class DayRunAdmin(admin.ModelAdmin):
    list_display = ("simulation", "requested_via", "expected_tick", "ticks_requested",
                    "ticks_done", "outcome", "created_at", "finished_at")
    list_filter = ("outcome", "requested_via")
    list_select_related = ("simulation",)
