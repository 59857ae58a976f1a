"""The user's dashboard: tabs for their simulations and agents, the economy's charts, their
scripts and their failures. A small polling partial keeps it current while a day runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econsim_project.field_errors import errors_text
from orchestration.services import agent_release
from scripts_lib.selectors import failures_for
from simulations.selectors import simulation_get
from simulations.services import AgentNotFound, agent_claim
from web import charts, selectors
from web.figures import figure_label
from web.forms import AgentChoiceForm, ClaimForm, RangeForm, ScriptCreateForm

TABS = ("agents", "economy", "scripts", "failures")
POLL_RUNNING, POLL_IDLE = "2s", "10s"


def _tab_context(request: HttpRequest, tab: str) -> dict[str, Any]:
    user = request.user
    if tab == "agents":
        return {"cards": selectors.dashboard_simulations(user=user), "claim_form": ClaimForm()}
    if tab == "economy":
        simulations = selectors.economy_simulations(user=user)
        chosen = request.GET.get("simulation")
        current = next((s for s in simulations if str(s.pk) == chosen),
                       simulations[0] if simulations else None)
        range_form = RangeForm(request.GET or None)
        return {"simulations": simulations, "current": current, "range_form": range_form,
                "range_query": range_form.query(), "series_labels": _series_labels()}
    if tab == "scripts":
        return {"scripts": selectors.my_scripts(user=user),
                "script_form": ScriptCreateForm()}
    failures = failures_for(user=user).select_related("simulation")
    return {"failures": Paginator(failures, 20).get_page(request.GET.get("page"))}


def _series_labels() -> dict[str, str]:
    """The charts' legends: each series by its label in the one table of figures."""
    return {key: figure_label(key) for _chart, series in charts.CHARTS for key, _ in series}


def _live_context() -> dict[str, Any]:
    running = selectors.running_days()
    return {"running": running, "poll": POLL_RUNNING if running else POLL_IDLE,
            "signature": selectors.live_signature(running=running)}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "agents")
    if tab not in TABS:
        tab = "agents"
    return render(request, "web/dashboard/index.html",
                  {"tab": tab, "tabs": TABS, **_tab_context(request, tab),
                   "live": _live_context()})


@login_required
def dashboard_tab(request: HttpRequest, tab: str) -> HttpResponse:
    """One tab's panel, for htmx (switching tabs, refreshing after a tick)."""
    if tab not in TABS:
        raise Http404("No such tab.")
    return render(request, f"web/dashboard/_tab_{tab}.html",
                  {"tab": tab, "tabs": TABS, **_tab_context(request, tab)})


@login_required
def dashboard_live(request: HttpRequest) -> HttpResponse:
    """The running-day strip. When the simulations moved since the page's last poll, an
    `econsim-tick` event tells the open tab to refresh itself (charts, balance sheets)."""
    context = _live_context()
    # oob: the poll also brings the top bar's unread count (a finished day notifies).
    response = render(request, "web/dashboard/_live.html", {"live": context, "oob": True})
    if request.GET.get("sig") not in (None, context["signature"]):
        response["HX-Trigger"] = "econsim-tick"
    return response


@login_required
def economy_series(request: HttpRequest, simulation_id: int) -> JsonResponse:
    form = RangeForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data(),
                             "message": form.error_text()}, status=400)
    # A stranger, an archived and a missing simulation all get the site's 404 page.
    data = charts.economy_series(user=request.user, simulation_id=simulation_id,
                                 **{k: v for k, v in form.cleaned_data.items() if v is not None})
    return JsonResponse(data)


@login_required
def economy_csv(request: HttpRequest, simulation_id: int, chart: str) -> HttpResponse:
    """One chart's data as CSV, for the same range as the chart."""
    if chart not in charts.CHART_IDS:
        raise Http404("No such chart.")
    form = RangeForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400,
                            content_type="text/plain; charset=utf-8")
    lines = charts.chart_csv(user=request.user, simulation_id=simulation_id, chart=chart,
                             **{k: v for k, v in form.cleaned_data.items() if v is not None})
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="econsim-{simulation_id}-'
                                       f'{chart}.csv"')
    return response


@login_required
@require_POST
def agent_claim_view(request: HttpRequest) -> HttpResponse:
    form = ClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a simulation and an agent type."))
        return redirect("dashboard")
    data = form.cleaned_data
    simulation = simulation_get(user=request.user, simulation_id=data["simulation"])
    if data["engine_id"] is None:
        agent = selectors.free_agent(simulation_id=simulation.pk, agent_type=data["agent_type"])
    else:
        agent = selectors.agent_by_ref(simulation_id=simulation.pk,
                                       agent_type=data["agent_type"],
                                       engine_id=data["engine_id"])
    if agent is None:
        messages.error(request, _("No free agent of that type and id in this simulation."))
        return redirect("dashboard")
    try:
        agent = agent_claim(simulation_id=simulation.pk, agent_id=agent.pk,
                            user_id=request.user.pk, operator=request.user.is_staff)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("You now own %(agent)s in %(simulation)s.")
                         % {"agent": agent, "simulation": simulation.name})
    return redirect("dashboard")


@login_required
@require_POST
def agent_release_view(request: HttpRequest, simulation_id: int) -> HttpResponse:
    """Give an agent back: its script is unmounted and it is free for anyone to claim.
    Another user's agent, a missing one and an archived simulation's are the 404 page."""
    simulation = simulation_get(user=request.user, simulation_id=simulation_id)
    form = AgentChoiceForm(request.POST)
    if not form.is_valid() or form.cleaned_data["agent"] is None:
        raise Http404("No such agent of yours.")
    try:
        agent = agent_release(simulation_id=simulation.pk, agent_id=form.cleaned_data["agent"],
                              user_id=request.user.pk)
    except AgentNotFound as exc:
        raise Http404("No such agent of yours.") from exc
    messages.success(request, _("You released %(agent)s in %(simulation)s; its script is "
                                "unmounted.") % {"agent": agent, "simulation": simulation.name})
    return redirect("dashboard")
