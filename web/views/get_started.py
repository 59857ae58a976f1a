"""The "Get started" page: one page that leads a new user from sign-up to the first tick of
their own script. Every action is a plain form POST that redirects back to the page (a reload
never repeats it); the last step polls a small partial until the tick has happened."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econsim_project.field_errors import errors_text, page_errors
from scripts_lib import services
from scripts_lib.dry_run import DryRunLimited, script_version_dry_run
from scripts_lib.models import Script
from scripts_lib.sandbox import SandboxError
from simulations.selectors import simulation_get
from simulations.services import agent_claim
from web import selectors
from web.dry_run_text import dry_run_limited_text
from web.forms import ClaimForm
from web.get_started import DONE, DRY_RUN_SESSION_KEY, NEXT, first_run_progress

POLL = "5s"  # the first-tick step asks again this often while it waits
LOG_CHARS = 4000  # the dry run's output kept in the session for the page


def _page(request: HttpRequest, template: str = "web/get_started.html") -> HttpResponse:
    progress = first_run_progress(user=request.user, session=request.session)
    return render(request, template, {"progress": progress, "poll": POLL,
                                      "DONE": DONE, "NEXT": NEXT})


@login_required
def get_started(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
def get_started_first_tick(request: HttpRequest) -> HttpResponse:
    """The last step alone, for the page's poll."""
    return _page(request, "web/get_started/_first_tick.html")


def _back() -> HttpResponse:
    return redirect("get-started")


@login_required
@require_POST
def get_started_claim(request: HttpRequest) -> HttpResponse:
    form = ClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a simulation and an agent type."))
        return _back()
    data = form.cleaned_data
    simulation = simulation_get(user=request.user, simulation_id=data["simulation"])
    agent = selectors.free_agent(simulation_id=simulation.pk, agent_type=data["agent_type"])
    if agent is None:
        messages.error(request, _("No free agent of that type is left in %(simulation)s.")
                       % {"simulation": simulation.name})
        return _back()
    try:
        agent = agent_claim(simulation_id=simulation.pk, agent_id=agent.pk,
                            user_id=request.user.pk)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("You now own %(agent)s in %(simulation)s.")
                         % {"agent": agent, "simulation": simulation.name})
    return _back()


@login_required
@require_POST
def get_started_script(request: HttpRequest) -> HttpResponse:
    """Copy the starter for the user's agent into a script of their own (once)."""
    progress = first_run_progress(user=request.user, session=request.session)
    if progress.agent is None or progress.version is not None:
        return _back()
    starter = progress.starter
    try:
        script = (Script.objects.filter(owner=request.user, name=starter.name,
                                        agent_type=progress.agent.agent_type,
                                        archived_at__isnull=True).first()
                  or services.script_create(owner=request.user, name=starter.name,
                                            agent_type=progress.agent.agent_type,
                                            description=starter.description))
        services.script_version_create(script=script, source=starter.source, user=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("%(script)s is now your own script, version 1.")
                         % {"script": script.name})
    return _back()


@login_required
@require_POST
def get_started_dry_run(request: HttpRequest) -> HttpResponse:
    """Run the script once against the agent's live observation; the verdict is kept in the
    session so the page can show it (a dry run changes nothing and stores nothing)."""
    progress = first_run_progress(user=request.user, session=request.session)
    if progress.version is None:
        return _back()
    record = {"version": progress.version.pk, "ok": False}
    try:
        outcome = script_version_dry_run(version=progress.version, user=request.user,
                                         agent_id=progress.agent.pk)
    except ValidationError as exc:
        record["errors"] = [e["message"] for e in page_errors(exc)]
    except SandboxError as exc:  # isolation could not be set up: say so, change nothing
        record["errors"] = [str(exc)]
    except DryRunLimited as exc:
        record["errors"] = [dry_run_limited_text(exc)]
    else:
        record["ok"] = outcome.ok and outcome.validation["ok"]
        record["outcome"] = {
            **{k: v for k, v in outcome.as_dict().items()
               if k not in ("memory", "decision", "observation")},
            "log": outcome.log[:LOG_CHARS],
            "decision_json": json.dumps(outcome.decision, indent=2, sort_keys=True)}
    request.session[DRY_RUN_SESSION_KEY] = record
    return _back()


@login_required
@require_POST
def get_started_mount(request: HttpRequest) -> HttpResponse:
    progress = first_run_progress(user=request.user, session=request.session)
    if progress.step("mount").state != NEXT:
        messages.error(request, progress.step("mount").reason or _("Already mounted."))
        return _back()
    agent = progress.agent
    try:
        services.mount_create(simulation_id=agent.simulation_id, agent_id=agent.pk,
                              version_id=progress.version.pk, user=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Version %(n)s now drives %(agent)s from the next tick.")
                         % {"n": progress.version.number, "agent": agent})
    return _back()
