"""The script editor: write and save versions (upload-time errors shown at their line), diff
any two versions, dry-run a version against an agent of yours, mount, unmount and rotate."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econsim_project.field_errors import errors_text, form_add_errors, page_errors
from econsim_project.fields import int64_from_text
from scripts_lib import selectors as scripts
from scripts_lib import services
from scripts_lib.dry_run import DryRunLimited, script_source_dry_run, script_version_dry_run
from scripts_lib.examples import script_examples
from scripts_lib.models import Script
from scripts_lib.sandbox import SandboxError
from web import selectors
from web.docs_content import FIRST_SCRIPT
from web.dry_run_text import dry_run_limited_text
from web.forms import (
    AgentChoiceForm,
    RotationForm,
    ScriptCreateForm,
    ScriptHideNameForm,
    ScriptRenameForm,
    VersionForm,
)


def _starter(agent_type: str) -> str:
    """A new script opens on the worked example for its type, else the minimal script."""
    return next((source for _, kind, _, source in script_examples() if kind == agent_type),
                FIRST_SCRIPT)


# A rejected save is kept in the session and shown at the editor's own address
# (redirect-after-post), so a reload shows it again instead of sending the form twice. One
# draft per session (the latest rejected save), dropped when that script saves a version.
DRAFT_KEY = "script_draft"


def _keep_draft(request: HttpRequest, script: Script, source: str,
                errors: list[dict[str, Any]]) -> HttpResponse:
    request.session[DRAFT_KEY] = {"script": script.pk, "source": source, "errors": errors}
    return redirect(f"{reverse('script-editor', args=[script.pk])}?draft=1")


def _draft(request: HttpRequest, script: Script) -> dict[str, Any] | None:
    draft = request.session.get(DRAFT_KEY)
    return draft if draft and draft["script"] == script.pk else None


def _editor(request: HttpRequest, script: Script, *, source: str | None = None,
            errors: list[dict[str, Any]] | None = None, is_draft: bool = False,
            text_dry_run: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    versions = list(scripts.script_versions(script=script))
    wanted = request.GET.get("v")
    current = next((v for v in versions if str(v.number) == wanted), versions[0] if versions
                   else None)
    if source is None:
        source = current.source if current else _starter(script.agent_type)
    errors = errors or []
    agents = selectors.owned_agents(user=request.user, agent_type=script.agent_type)
    context = {
        "script": script, "versions": versions, "current": current, "source": source,
        "errors": errors, "error_lines": [{"line": e["line"], "message": e["text"]}
                                          for e in errors if e["line"]],
        "agents": agents, "mountable": [a for a in agents if a.active_mount is None],
        # Agents of the user's driven by another script: this one can take over at day end.
        "switchable": [a for a in agents if a.active_mount is not None
                       and a.active_mount.script_version.script_id != script.pk],
        "mounts": selectors.script_mounts(script_id=script.pk),
        # Right after a mount the card says it is done rather than that nothing is free.
        "drives_all": bool(agents) and current is not None and all(
            a.active_mount is not None and a.active_mount.script_version_id == current.pk
            for a in agents),
        "is_owner": script.owner_id == request.user.pk, "is_draft": is_draft,
        "text_dry_run": text_dry_run,
    }
    return render(request, "web/scripts/editor.html", context, status=status)


def _to_editor(script: Script, number: int | None = None) -> HttpResponse:
    url = reverse("script-editor", args=[script.pk])
    return redirect(f"{url}?v={number}" if number else url)


@login_required
def script_list(request: HttpRequest) -> HttpResponse:
    form = ScriptCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            script = services.script_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Script created: write its first version."))
            return _to_editor(script)
    return render(request, "web/scripts/list.html",
                  {"scripts": selectors.my_scripts(user=request.user), "form": form},
                  status=400 if form.errors else 200)


@login_required
def script_editor(request: HttpRequest, script_id: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    draft = _draft(request, script) if "draft" in request.GET else None
    if draft is not None:
        return _editor(request, script, source=draft["source"], errors=draft["errors"],
                       is_draft=True)
    return _editor(request, script)


@login_required
@require_POST
def version_create(request: HttpRequest, script_id: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        empty = _("The source is empty.")
        return _keep_draft(request, script, "", [
            {"field": "source", "message": empty, "line": None, "text": empty}])
    try:
        version = services.script_version_create(script=script, user=request.user,
                                                 source=form.cleaned_data["source"])
    except ValidationError as exc:
        return _keep_draft(request, script, form.cleaned_data["source"], page_errors(exc))
    if _draft(request, script) is not None:
        del request.session[DRAFT_KEY]
    messages.success(request, _("Saved version %(n)s.") % {"n": version.number})
    return _to_editor(script, version.number)


@login_required
def version_diff(request: HttpRequest, script_id: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    numbers = [int64_from_text(request.GET.get(name, "")) for name in ("a", "b")]
    if None in numbers:
        raise Http404("Choose two versions.")
    old, new = (scripts.script_version_get(script=script, number=n) for n in numbers)
    context = {"script": script, "old": old, "new": new,
               "rows": selectors.version_diff(old=old, new=new)}
    template = "web/scripts/_diff.html" if request.htmx else "web/scripts/diff.html"
    return render(request, template, context)


@login_required
@require_POST
def version_dry_run(request: HttpRequest, script_id: int, number: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    version = scripts.script_version_get(script=script, number=number)
    form = AgentChoiceForm(request.POST)
    agent_id = form.cleaned_data["agent"] if form.is_valid() else None
    context = _dry_run_context(script_version_dry_run, version=version, user=request.user,
                               agent_id=agent_id)
    context["version"] = version
    return render(request, "web/scripts/_dry_run.html", context)


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _dry_run_context(run: Any, **kwargs: Any) -> dict[str, Any]:
    """A dry run's outcome as the result panel shows it, or the errors that stopped it."""
    context: dict[str, Any] = {}
    try:
        outcome = run(**kwargs)
    except ValidationError as exc:
        context["errors"] = page_errors(exc)
    except SandboxError as exc:  # isolation could not be set up: say so, change nothing
        context["errors"] = [{"field": None, "message": str(exc), "line": None}]
    except DryRunLimited as exc:
        context["errors"] = [{"field": None, "message": dry_run_limited_text(exc),
                              "line": None}]
    else:
        context.update(outcome=outcome, decision_json=_pretty(outcome.decision),
                       memory_json=_pretty(outcome.memory),
                       observation_json=_pretty(outcome.observation))
    return context


@login_required
@require_POST
def text_dry_run(request: HttpRequest, script_id: int) -> HttpResponse:
    """Dry-run the editor's unsaved text (no version is created). With htmx the result panel
    comes back alone; without, the editor is drawn again with the text and the result."""
    script = scripts.script_get(user=request.user, script_id=script_id)
    source = request.POST.get("source", "")
    form = AgentChoiceForm(request.POST)
    agent_id = form.cleaned_data["agent"] if form.is_valid() else None
    context = _dry_run_context(script_source_dry_run, script=script, source=source,
                               user=request.user, agent_id=agent_id)
    context["result_id"] = "text-dry-run-result"
    if request.htmx:  # htmx swaps 2xx answers only: the panel says what went wrong
        return render(request, "web/scripts/_dry_run.html", context)
    return _editor(request, script, source=source, text_dry_run=context,
                   status=400 if "errors" in context else 200)


def _owned_agent(request: HttpRequest, agent_id: int | None, agent_type: str) -> Any:
    return next((a for a in selectors.owned_agents(user=request.user, agent_type=agent_type)
                 if a.pk == agent_id), None)


@login_required
@require_POST
def version_mount(request: HttpRequest, script_id: int, number: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    version = scripts.script_version_get(script=script, number=number)
    form = AgentChoiceForm(request.POST)
    agent = _owned_agent(request, form.cleaned_data["agent"] if form.is_valid() else None,
                         script.agent_type)
    if agent is None:
        messages.error(request, _("Choose one of your agents of this script's type."))
        return _to_editor(script, number)
    try:
        services.mount_create(simulation_id=agent.simulation_id, agent_id=agent.pk,
                              version_id=version.pk, user=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Version %(n)s now drives %(agent)s from the next tick.")
                         % {"n": number, "agent": agent})
    return _to_editor(script, number)


def _script_mount(script: Script, mount_id: int) -> Any:
    mount = next((m for m in selectors.script_mounts(script_id=script.pk) if m.pk == mount_id),
                 None)
    if mount is None:
        raise Http404("No such active mount of this script.")
    return mount


@login_required
@require_POST
def mount_unmount(request: HttpRequest, script_id: int, mount_id: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    mount = _script_mount(script, mount_id)
    try:
        services.mount_delete(simulation_id=mount.simulation_id, mount_id=mount.pk,
                              user=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Unmounted: %(agent)s follows its baseline rule from the "
                                    "next tick.") % {"agent": mount.agent})
    return _to_editor(script)


@login_required
@require_POST
def version_rotate(request: HttpRequest, script_id: int, number: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    version = scripts.script_version_get(script=script, number=number)
    form = RotationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a mounted agent."))
        return _to_editor(script, number)
    # The agent may run this script or another one of the same agent type (a switch).
    mine = [a.active_mount for a in selectors.owned_agents(user=request.user,
                                                           agent_type=script.agent_type)
            if a.active_mount is not None]
    mount = next((m for m in mine if m.pk == form.cleaned_data["mount"]), None) \
        or _script_mount(script, form.cleaned_data["mount"])
    try:
        rotation = services.rotation_schedule(simulation_id=mount.simulation_id,
                                              mount_id=mount.pk, version_id=version.pk,
                                              user=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("%(script)s v%(n)s replaces %(old_script)s v%(old)s on "
                                    "%(agent)s at the end of day %(day)s.")
                         % {"script": script.name, "n": number,
                            "old_script": mount.script_version.script.name,
                            "old": mount.script_version.number, "agent": mount.agent,
                            "day": rotation.apply_at_day})
    return _to_editor(script, number)


@login_required
@require_POST
def script_rename(request: HttpRequest, script_id: int) -> HttpResponse:
    script = scripts.script_get(user=request.user, script_id=script_id)
    form = ScriptRenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{form.fields[name].label}: {' '.join(errors)}"
                                          for name, errors in form.errors.items()))
        return _to_editor(script)
    try:
        services.script_update(script=script, name=form.cleaned_data["name"])
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Renamed to %(name)s.") % {"name": script.name})
    return _to_editor(script)


@login_required
@require_POST
def script_hide_name(request: HttpRequest, script_id: int) -> HttpResponse:
    """The leaderboards show "hidden" instead of the script's name (or its name again)."""
    script = scripts.script_get(user=request.user, script_id=script_id)
    form = ScriptHideNameForm(request.POST)
    form.is_valid()  # an unchecked or absent box is False, never an error
    hide = bool(form.cleaned_data.get("hide_name"))
    services.script_update(script=script, hide_name=hide)
    messages.success(request, _("Leaderboards show this script as “hidden”.") if hide
                     else _("Leaderboards show this script's name."))
    return _to_editor(script)


@login_required
@require_POST
def script_delete(request: HttpRequest, script_id: int) -> HttpResponse:
    """Refused while a version is mounted or due to replace a mounted one. A script whose
    versions have run is archived instead (the record of past ticks points at them)."""
    script = scripts.script_get(user=request.user, script_id=script_id)
    try:
        outcome = services.script_delete(script=script)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return _to_editor(script)
    if outcome == "archived":
        messages.success(request, _("Deleted %(name)s. Its versions have run, so they are kept "
                                    "in the simulations' history.") % {"name": script.name})
    else:
        messages.success(request, _("Deleted %(name)s.") % {"name": script.name})
    return redirect("scripts")
