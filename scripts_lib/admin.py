"""Operators' console for scripts: the library (read-only sources), mounts with bulk remount
and rotation actions, the failure record and per-user quota overrides."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from scripts_lib.models import (
    Mount,
    Rotation,
    Script,
    ScriptFailure,
    ScriptQuota,
    ScriptTickLog,
    ScriptVersion,
)
from scripts_lib.services import (
    mounts_remount,
    rotation_schedule,
    script_version_delete,
    version_in_use,
)


class _ReadOnly(admin.ModelAdmin):
    """A record: operators read it, nobody edits it here."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ScriptVersionInline(admin.TabularInline):
    model = ScriptVersion
    fields = ("number", "sha256", "size_bytes", "created_at", "created_by", "checks_passed")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "agent_type", "created_at", "updated_at", "archived_at")
    list_filter = ("agent_type", ("archived_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [ScriptVersionInline]


@admin.register(ScriptVersion)
class ScriptVersionAdmin(_ReadOnly):
    list_display = ("script", "number", "size_bytes", "sha256", "created_by", "created_at",
                    "checks_passed")
    list_select_related = ("script", "created_by")
    search_fields = ("script__name", "sha256")
    fields = ("script", "number", "sha256", "size_bytes", "created_by", "created_at",
              "checks_passed", "check_report", "numbered_source")
    readonly_fields = fields

    @admin.display(description="Source")
    def numbered_source(self, version: ScriptVersion) -> str:
        lines = format_html_join("\n", "{:>4}  {}", ((n, line) for n, line in
                                                     enumerate(version.source.splitlines(), 1)))
        return format_html('<pre style="font-size: 12px">{}</pre>', lines)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the bulk delete would skip the in-use rule
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Append-only record: only a version that never ran may go (the service re-checks).
        return obj is not None and version_in_use(obj) is None \
            and super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: ScriptVersion) -> None:
        script_version_delete(version=obj)


class VersionChoiceForm(forms.Form):
    version = forms.ModelChoiceField(queryset=ScriptVersion.objects.none(),
                                     label="Script version")
    keep_memory = forms.BooleanField(required=False, initial=True,
                                     help_text="Carry each agent's script memory over.")

    def __init__(self, *args: object, agent_types: set[str], with_memory: bool,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        field.queryset = (ScriptVersion.objects.select_related("script")
                          .filter(script__agent_type__in=agent_types,
                                  script__archived_at__isnull=True)
                          .order_by("script__name", "-number"))
        field.label_from_instance = lambda v: f"{v.script.name} v{v.number} ({v.script.owner_id})"
        if not with_memory:
            del self.fields["keep_memory"]


def _parameter_page(admin_obj: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet,
                    action: str, title: str, explanation: str, with_memory: bool
                    ) -> tuple[VersionChoiceForm | None, HttpResponse | None]:
    """The form once it is submitted and valid, else the page that asks for it."""
    mounts = list(queryset.filter(active=True).select_related("agent", "simulation",
                                                             "script_version__script"))
    types = {m.agent.agent_type for m in mounts}
    data = request.POST if "apply" in request.POST else None
    form = VersionChoiceForm(data, agent_types=types, with_memory=with_memory)
    if data is not None and form.is_valid():
        return form, None
    context = {**admin_obj.admin_site.each_context(request), "opts": admin_obj.model._meta,
               "title": title, "explanation": explanation, "mounts": mounts, "form": form,
               "action": action}
    return None, TemplateResponse(request, "admin/scripts_lib/mount_action.html", context)


@admin.register(Mount)
class MountAdmin(admin.ModelAdmin):
    list_display = ("id", "simulation", "agent", "script_version", "active", "since_tick",
                    "consecutive_failures", "unmounted_why", "mounted_by")
    list_filter = ("active", "unmounted_why", "simulation", "agent__agent_type")
    list_select_related = ("simulation", "agent", "script_version__script", "mounted_by")
    search_fields = ("script_version__script__name", "agent__owner__username")
    readonly_fields = [f.name for f in Mount._meta.fields]
    actions = ["bulk_remount", "schedule_rotation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # mounts are made through the API (claim rules) or the actions below

    @admin.action(description="Remount selected agents now with another version",
                  permissions=["change"])
    def bulk_remount(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form, page = _parameter_page(
            self, request, queryset, "bulk_remount", "Remount with a version",
            "Each selected active mount ends now and the chosen version drives its agent "
            "from the next tick. Agents of another type are skipped.", with_memory=True)
        if page is not None:
            return page
        done, skipped = mounts_remount(
            mount_ids=list(queryset.values_list("pk", flat=True)),
            version=form.cleaned_data["version"], user=request.user,
            keep_memory=form.cleaned_data["keep_memory"])
        self.message_user(request, f"Remounted {done} agent(s); skipped {skipped} (ended, "
                                   "same version or another agent type).", messages.SUCCESS)
        return None

    @admin.action(description="Schedule a rotation at the next day boundary",
                  permissions=["change"])
    def schedule_rotation(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form, page = _parameter_page(
            self, request, queryset, "schedule_rotation", "Schedule a rotation",
            "The chosen version replaces each selected mount's at the end of the current day, "
            "keeping the agent and its memory.", with_memory=False)
        if page is not None:
            return page
        scheduled, refused = 0, []
        for mount in queryset.filter(active=True):
            try:
                rotation_schedule(simulation_id=mount.simulation_id, mount_id=mount.pk,
                                  version_id=form.cleaned_data["version"].pk, user=request.user)
                scheduled += 1
            except ValidationError as exc:
                refused.append(f"mount {mount.pk}: {'; '.join(exc.messages)}")
        self.message_user(request, f"Scheduled {scheduled} rotation(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Refused {len(refused)}: " + " | ".join(refused[:10]),
                              messages.WARNING)
        return None


@admin.register(Rotation)
class RotationAdmin(_ReadOnly):
    list_display = ("id", "mount", "old_version", "new_version", "status", "apply_at_day",
                    "applied_tick", "requested_by", "requested_at")
    list_filter = ("status",)
    list_select_related = ("mount__agent", "mount__script_version__script",
                           "old_version__script", "new_version__script", "requested_by")


@admin.register(ScriptFailure)
class ScriptFailureAdmin(_ReadOnly):
    list_display = ("created_at", "simulation", "tick", "agent", "owner", "kind", "message")
    list_filter = ("kind", "simulation")
    search_fields = ("owner__username", "message")
    list_select_related = ("simulation", "agent", "owner")
    date_hierarchy = "created_at"


@admin.register(ScriptTickLog)
class ScriptTickLogAdmin(_ReadOnly):
    list_display = ("mount", "tick", "owner", "size_bytes", "created_at")
    list_select_related = ("mount__agent", "mount__script_version__script", "owner")
    search_fields = ("owner__username", "output")


@admin.register(ScriptQuota)
class ScriptQuotaAdmin(admin.ModelAdmin):
    list_display = ("user", "max_scripts", "versions_per_day", "max_source_bytes",
                    "cpu_ms_per_tick", "log_bytes_per_day", "note", "updated_at")
    search_fields = ("user__username", "note")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
