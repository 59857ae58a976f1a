"""The operator dashboard beside the Django admin: every simulation with its status, schedule,
running day and audit verdict; run, fill, pause and resume through the same services as the
admin actions; task progress; failures across users; the recent-logs download."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econsim_project.field_errors import errors_text, page_errors
from orchestration.runs import day_run_request
from simulations import services
from simulations.models import DayRun, Simulation
from web import selectors
from web.forms import RunForm

View = Callable[..., HttpResponse]
RECENT_LOG_TICKS = 100


def staff_required(view: View) -> View:
    """Anonymous visitors go to the login page; signed-in non-staff users get a 403."""
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Operators only.")
        return view(request, *args, **kwargs)
    return wrapped


def _live_context() -> dict[str, object]:
    simulations = selectors.operator_simulations()
    running = any(s.active_run is not None for s in simulations)
    return {"simulations": simulations, "poll": "2s" if running else "10s",
            "log_ticks": RECENT_LOG_TICKS}


@staff_required
def operator_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "web/operator/index.html", {
        **_live_context(), "failures": selectors.recent_failures(),
        "failed_runs": selectors.recent_failed_runs()})


@staff_required
def operator_live(request: HttpRequest) -> HttpResponse:
    return render(request, "web/operator/_simulations.html", _live_context())


@staff_required
@require_POST
def operator_run(request: HttpRequest, simulation_id: int) -> HttpResponse:
    """Run a day or fill the current one: `day_run_request`, as the admin's actions."""
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    form = RunForm(request.POST)
    mode = DayRun.Mode.FILL if form.is_valid() and form.cleaned_data["mode"] == "fill" \
        else DayRun.Mode.DAY
    try:
        run = day_run_request(simulation_id=simulation.pk, mode=mode,
                              requested_by_id=request.user.pk, via=DayRun.Via.ADMIN)
    except ValidationError as exc:
        if request.htmx:
            return render(request, "web/operator/_task.html",
                          {"simulation": simulation, "errors": page_errors(exc)})
        messages.error(request, _("%(name)s: no day was run. %(why)s")
                       % {"name": simulation.name, "why": errors_text(exc)})
        return redirect("operator")
    if request.htmx:
        task = selectors.task_progress(task_id=run.task_id) or {
            "task_id": run.task_id, "state": "PENDING", "current": 0,
            "total": run.ticks_requested, "run": run, "done": False}
        return _task_response(request, simulation, task)
    messages.success(request, _("Queued %(ticks)s ticks of %(name)s from tick %(tick)s.")
                     % {"ticks": run.ticks_requested, "name": simulation.name,
                        "tick": run.expected_tick})
    return redirect("operator")


@staff_required
def operator_task(request: HttpRequest, task_id: str) -> HttpResponse:
    """Progress of a run task; the card polls itself until the run is over."""
    task = selectors.task_progress(task_id=task_id)
    if task is None:
        raise Http404("No such task.")
    return _task_response(request, task["run"].simulation if task["run"] else None, task)


def _task_response(request: HttpRequest, simulation: Simulation | None,
                   task: dict[str, object]) -> HttpResponse:
    response = render(request, "web/operator/_task.html", {"simulation": simulation,
                                                            "task": task})
    if task["done"]:  # the simulations table refreshes at once instead of at its next poll
        response["HX-Trigger"] = "econsim-tick"
    return response


def _status_change(request: HttpRequest, simulation_id: int,
                   service: Callable[..., int], done: str) -> HttpResponse:
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    changed = service(simulation_ids=[simulation.pk])
    if request.htmx:
        return render(request, "web/operator/_simulations.html", _live_context())
    if changed:
        messages.success(request, done % {"name": simulation.name})
    else:
        messages.info(request, _("%(name)s is %(status)s: nothing changed.")
                      % {"name": simulation.name, "status": simulation.get_status_display()})
    return redirect("operator")


@staff_required
@require_POST
def operator_pause(request: HttpRequest, simulation_id: int) -> HttpResponse:
    return _status_change(request, simulation_id, services.simulations_pause,
                          _("Paused %(name)s."))


@staff_required
@require_POST
def operator_resume(request: HttpRequest, simulation_id: int) -> HttpResponse:
    return _status_change(request, simulation_id, services.simulations_resume,
                          _("Resumed %(name)s."))
