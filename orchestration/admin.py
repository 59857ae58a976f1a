"""The operator console: simulations with parameterised actions (run a day, fill the day,
run N ticks, pause, resume, apply a shock, reset to a day, archive), a live detail page and
the schedules inline; agents, granted or released by operators. Every action goes through a
service and says what it did. It lives here, not in `simulations/admin.py`, because its
actions queue runs, reset the archive and end script mounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from econsim_project.field_errors import form_add_errors
from orchestration.runs import day_run_request
from orchestration.selectors import console_overview
from orchestration.services import agent_assign, agents_release, simulation_reset
from simulations import selectors, services
from simulations.admin_forms import (
    ConfirmForm,
    ResetForm,
    RunForm,
    ShockForm,
    SimulationAddForm,
    SimulationChangeForm,
    TicksForm,
    shock_spec,
)
from simulations.admin_schedules import ScheduleInline
from simulations.engine import ConfigError
from simulations.locks import simulation_locked
from simulations.models import Agent, DayRun, Simulation

Handler = Callable[[list[Simulation], dict[str, Any]], str]


def _parameter_page(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet,
                    form_class: type[forms.Form], title: str,
                    handle: Handler) -> HttpResponse | None:
    """Django's intermediate-page pattern (like delete_selected): show the form, and on
    `apply` run the service; errors from the service or the engine land on their field."""
    simulations = list(queryset)
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            model_admin.message_user(request, handle(simulations, form.cleaned_data),
                                     messages.SUCCESS)
            return None
        except (ValidationError, ConfigError) as exc:
            form_add_errors(form, exc)
    context = {**model_admin.admin_site.each_context(request), "title": title, "form": form,
               "simulations": simulations, "action": request.POST.get("action"),
               "opts": model_admin.model._meta}
    return TemplateResponse(request, "admin/simulations/action_form.html", context)


def _queue(simulations: list[Simulation], request: HttpRequest, mode: str,
           ticks: int | None) -> str:
    runs = [day_run_request(simulation_id=s.pk, mode=mode, ticks=ticks,
                            requested_by_id=request.user.pk, via=DayRun.Via.ADMIN)
            for s in simulations]
    detail = ", ".join(f"{r.simulation.name}: {r.ticks_requested} ticks from {r.expected_tick}"
                       for r in runs)
    return f"Queued {len(runs)} run(s) ({detail})."


@admin.register(Simulation)
class SimulationAdmin(admin.ModelAdmin):
    list_display = ("name", "scenario", "status", "tick", "day", "days_completed", "ticks_per_day",
                    "archived_at", "console_link")
    list_filter = ("status", "scenario")
    search_fields = ("name",)
    inlines = [ScheduleInline]
    actions = ["run_day", "fill_day", "run_ticks", "pause", "resume", "apply_shock",
               "reset_to_day", "archive"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Simulation]:
        return super().get_queryset(request).select_related("created_by")

    def get_form(self, request: HttpRequest, obj: Simulation | None = None,
                 **kwargs: Any) -> type[forms.ModelForm]:
        kwargs["form"] = SimulationAddForm if obj is None else SimulationChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest,
                            obj: Simulation | None = None) -> tuple[str, ...]:
        # The world was built from these: changing them afterwards would disown it.
        fixed = ("scenario", "config", "seed", "ticks_per_day", "status", "archived_at",
                 "created_by")
        return ("tick", "created_at", "updated_at", *(fixed if obj else ()))

    def save_model(self, request: HttpRequest, obj: Simulation, form: forms.ModelForm,
                   change: bool) -> None:
        if change:
            obj.save(update_fields=[f for f in form.changed_data if f in
                                    ("name", "max_agents_per_user", "claimable_agent_types")]
                     or ["updated_at"])
            return
        data = form.cleaned_data
        created = services.simulation_create(
            name=data["name"], scenario=data["scenario"], config=data.get("config") or {},
            seed=data["seed"], ticks_per_day=data["ticks_per_day"],
            max_agents_per_user=data["max_agents_per_user"],
            claimable_agent_types=data["claimable_agent_types"], status=data["status"],
            created_by_id=request.user.pk)
        obj.pk, obj.tick, obj.created_at = created.pk, created.tick, created.created_at
        obj._state.adding = False  # the inline formsets attach to the created row

    def has_delete_permission(self, request: HttpRequest, obj: Simulation | None = None) -> bool:
        return False  # archive instead: history and checkpoints stay

    @admin.display(description="Console")
    def console_link(self, obj: Simulation) -> str:
        url = reverse("admin:simulations_simulation_console", args=[obj.pk])
        return format_html('<a href="{}">open</a>', url)

    def get_urls(self) -> list[URLPattern]:
        console = path("<int:simulation_id>/console/", self.admin_site.admin_view(
            self.console_view), name="simulations_simulation_console")
        return [console, *super().get_urls()]

    def console_view(self, request: HttpRequest, simulation_id: int) -> HttpResponse:
        simulation = get_object_or_404(Simulation, pk=simulation_id)
        context = {**self.admin_site.each_context(request), "title": f"{simulation} console",
                   "simulation": simulation, "opts": self.model._meta,
                   "locked": simulation_locked(simulation_id=simulation.pk),
                   "state": selectors.simulation_state(simulation_id=simulation.pk),
                   **console_overview(simulation_id=simulation.pk)}
        return TemplateResponse(request, "admin/simulations/simulation/console.html", context)

    @admin.action(description="Run 1 day (ticks input)", permissions=["change"])
    def run_day(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _parameter_page(self, request, queryset, RunForm, "Run one day",
                               lambda sims, data: _queue(sims, request, DayRun.Mode.DAY,
                                                         data["ticks"]))

    @admin.action(description="Fill the day (run the ticks left in it)", permissions=["change"])
    def fill_day(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _parameter_page(self, request, queryset, ConfirmForm, "Fill the current day",
                               lambda sims, data: _queue(sims, request, DayRun.Mode.FILL, None))

    @admin.action(description="Run N ticks", permissions=["change"])
    def run_ticks(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _parameter_page(self, request, queryset, TicksForm, "Run N ticks",
                               lambda sims, data: _queue(sims, request, DayRun.Mode.TICKS,
                                                         data["ticks"]))

    @admin.action(description="Pause", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.simulations_pause(simulation_ids=list(queryset.values_list("pk",
                                                                                    flat=True)))
        self.message_user(request, f"Paused {count} simulation(s).", messages.SUCCESS)

    @admin.action(description="Resume", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.simulations_resume(simulation_ids=list(queryset.values_list("pk",
                                                                                     flat=True)))
        self.message_user(request, f"Resumed {count} simulation(s).", messages.SUCCESS)

    @admin.action(description="Apply a shock", permissions=["change"])
    def apply_shock(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        def handle(sims: list[Simulation], data: dict[str, Any]) -> str:
            spec = shock_spec(data)
            shocks = [services.shock_create(simulation_id=s.pk, spec=spec,
                                            created_by_id=request.user.pk) for s in sims]
            return f"Scheduled {len(shocks)} {spec['type']} shock(s) from tick " \
                   f"{', '.join(str(x.start_tick) for x in shocks)}."

        return _parameter_page(self, request, queryset, ShockForm, "Apply a shock", handle)

    @admin.action(description="Reset to a day checkpoint", permissions=["change"])
    def reset_to_day(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        def handle(sims: list[Simulation], data: dict[str, Any]) -> str:
            ticks = [simulation_reset(simulation_id=s.pk, day=data["day"])
                     for s in sims]
            return f"Reset {len(ticks)} simulation(s) to tick {', '.join(map(str, ticks))}."
        return _parameter_page(self, request, queryset, ResetForm, "Reset to a day", handle)

    @admin.action(description="Archive", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        def handle(sims: list[Simulation], data: dict[str, Any]) -> str:
            count = services.simulations_archive(simulation_ids=[s.pk for s in sims])
            return f"Archived {count} simulation(s); their schedules are off."
        return _parameter_page(self, request, queryset, ConfirmForm, "Archive", handle)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    """Where operators grant agents users may not claim (the government, the central bank,
    any type a simulation keeps for operators): set the owner on the agent's page."""

    list_display = ("simulation", "agent_type", "engine_id", "owner", "claimed_at")
    list_filter = ("agent_type", "simulation")
    list_select_related = ("simulation", "owner")
    raw_id_fields = ("owner",)
    fields = ("simulation", "agent_type", "engine_id", "owner", "claimed_at")
    readonly_fields = ("simulation", "agent_type", "engine_id", "claimed_at")
    actions = ["release"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # agents come from the world

    def has_delete_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Agent, form: forms.ModelForm,
                   change: bool) -> None:
        # Through the service: a change of owner unmounts the previous owner's script.
        assigned = agent_assign(agent_id=obj.pk, owner_id=obj.owner_id)
        obj.claimed_at = assigned.claimed_at

    @admin.action(description="Release (free the agents, unmount their scripts)",
                  permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = agents_release(agent_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Released {count} agent(s).", messages.SUCCESS)
