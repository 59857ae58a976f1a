"""The strategy lab's pages: the user's backtests (live progress), the form that starts one
(from the editor's "Backtest this version" or an agent's "Replay this day with…"), and one
backtest's results. Another user's backtest is the site's 404 page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econsim_project.field_errors import form_add_errors
from econsim_project.fields import int64_from_text
from lab import selectors as lab
from lab.errors import BacktestLimit
from lab.models import ArmKind
from lab.services import ArmRequest, backtest_cancel, backtest_create
from simulations.models import Scenario
from web import lab_page
from web import selectors as web_selectors
from web.forms import BacktestForm
from web.templatetags.web_text import agent_name

POLL = "2s"  # the live progress, like the dashboard's live strip


def _list_context(request: HttpRequest) -> dict[str, Any]:
    backtests = list(lab.backtests_for(user=request.user).select_related("simulation")[:50])
    for backtest in backtests:
        backtest.agent_words = agent_name(f"{backtest.agent_type}:{backtest.agent_engine_id}")
        if lab_page.is_active(backtest):
            backtest.arm_list = lab_page.label_arms(list(backtest.arms.all()))
    return {"backtests": backtests, "poll": POLL,
            "active": any(lab_page.is_active(b) for b in backtests)}


@login_required
def lab_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/lab/list.html", _list_context(request))


@login_required
def lab_list_live(request: HttpRequest) -> HttpResponse:
    """The list's rows again (polled every 2 s while a backtest is queued or running)."""
    return render(request, "web/lab/_list.html", _list_context(request))


# --- the form -------------------------------------------------------------------------------

def _choices(request: HttpRequest) -> tuple[list, list, list, dict, dict]:
    versions = lab.versions_of(user=request.user)
    agents = web_selectors.owned_agents(user=request.user)
    version_choices = [(str(v.pk), f"{v.script.name} v{v.number} "
                                   f"({v.script.get_agent_type_display()})") for v in versions]
    agent_choices = [(str(a.pk), f"{a.simulation.name}: {agent_name(a)}") for a in agents]
    return (version_choices, agent_choices, list(Scenario.choices),
            {v.pk: v for v in versions}, {a.pk: a for a in agents})


def _initial(request: HttpRequest, versions: dict, agents: dict) -> dict[str, Any]:
    """Pre-filled from the query: `version` (the editor's button) and/or `agent` and
    `start_day` (an archived day's "Replay this day with…")."""
    version = versions.get(int64_from_text(request.GET.get("version", "")) or 0)
    agent = agents.get(int64_from_text(request.GET.get("agent", "")) or 0)
    agent_type = version.script.agent_type if version else (agent.agent_type if agent else None)
    candidates = [a for a in agents.values() if agent_type in (None, a.agent_type)]
    history = lab.agents_with_mount_history(agent_ids=[a.pk for a in candidates])
    if agent is None and candidates:
        agent = next((a for a in candidates if a.pk in history), candidates[0])
    start_day = int64_from_text(request.GET.get("start_day", ""))
    if agent is not None:
        sim = agent.simulation
        if start_day is None:
            start_day = sim.tick // sim.ticks_per_day  # the last day end
        if version is None:  # the version that drove the agent that day, else the newest
            at = lab.version_at(simulation_id=sim.pk, agent_id=agent.pk,
                                agent=(agent.agent_type, agent.engine_id),
                                tick=start_day * sim.ticks_per_day + 1)
            version = versions.get(at) or next(
                (v for v in versions.values() if v.script.agent_type == agent.agent_type), None)
    arms = ["candidate", "baseline"]
    if agent is not None and agent.pk in history:
        arms.insert(1, "mounted")
    ticks = agent.simulation.ticks_per_day if agent is not None else 4
    return {"version": version.pk if version else None, "agent": agent.pk if agent else None,
            "start_day": start_day, "ticks": ticks, "arms": arms, "source": "archive",
            "scenario": Scenario.BASELINE, "seed": 0, "world_agent": 0}


# Service field names -> this form's fields ("arms.1.version" goes on "arms").
_FIELDS = {"start_tick": "start_day", "world.scenario": "scenario",
           "world.n_households": "n_households", "world.seed": "seed",
           "world.agent_id": "world_agent"}


def _on_form_fields(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list] = {}
    for name, errors in exc.error_dict.items():
        target = _FIELDS.get(name) or ("arms" if name.startswith("arms") else name)
        renamed.setdefault(target, []).extend(errors)
    return ValidationError(renamed)


def _arms(data: dict[str, Any], versions: dict) -> list[ArmRequest]:
    kinds = {"candidate": ArmKind.CANDIDATE, "mounted": ArmKind.MOUNTED,
             "baseline": ArmKind.BASELINE}
    arms = [ArmRequest(kinds[k]) for k in ("candidate", "mounted", "baseline")
            if k in data["arms"]]
    other = versions.get(int(data["other_version"])) if data.get("other_version") else None
    if other is not None:
        arms.append(ArmRequest(ArmKind.VERSION, number=other.number, script_id=other.script_id))
    return arms


def _create(request: HttpRequest, form: BacktestForm, versions: dict, agents: dict) -> Any:
    data = form.cleaned_data
    version = versions[int(data["version"])]
    common = {"user": request.user, "version": version, "ticks": data["ticks"],
              "arms": _arms(data, versions)}
    if data["source"] == "fresh":
        world = {"scenario": data.get("scenario") or Scenario.BASELINE,
                 "seed": data.get("seed") or 0, "agent_id": data.get("world_agent") or 0}
        if data.get("n_households") is not None:
            world["n_households"] = data["n_households"]
        return backtest_create(world=world, **common)
    agent = agents[int(data["agent"])]
    return backtest_create(agent_id=agent.pk,
                           start_tick=data["start_day"] * agent.simulation.ticks_per_day,
                           **common)


@login_required
def lab_new(request: HttpRequest) -> HttpResponse:
    version_choices, agent_choices, scenarios, versions, agents = _choices(request)
    kwargs = {"versions": version_choices, "agents": agent_choices, "scenarios": scenarios}
    status = 200
    if request.method == "POST":
        form = BacktestForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                backtest = _create(request, form, versions, agents)
            except ValidationError as exc:
                form_add_errors(form, _on_form_fields(exc))
            except BacktestLimit as exc:
                form.add_error(None, str(exc.detail))
                status = 429
            else:
                messages.success(request, _("Backtest %(id)s queued: it runs its arms side by "
                                            "side.") % {"id": backtest.pk})
                return redirect("lab-detail", backtest_id=backtest.pk)
        status = status if status != 200 else 400
    else:
        form = BacktestForm(initial=_initial(request, versions, agents), **kwargs)
    return render(request, "web/lab/new.html", {
        "form": form, "has_versions": bool(versions), "agents": agents.values()},
        status=status)


# --- one backtest ---------------------------------------------------------------------------

def _detail_context(request: HttpRequest, backtest_id: int) -> dict[str, Any]:
    backtest = lab.backtest_get(user=request.user, backtest_id=backtest_id)
    arms = lab_page.label_arms(list(backtest.arms.select_related("version__script")))
    backtest.agent_words = agent_name(f"{backtest.agent_type}:{backtest.agent_engine_id}")
    backtest.start_day = backtest.start_tick // max(1, backtest.ticks_per_day)
    return {"backtest": backtest, "arms": arms, "poll": POLL,
            "active": lab_page.is_active(backtest),
            "validity": lab_page.validity_text(backtest, arms)}


@login_required
def lab_detail(request: HttpRequest, backtest_id: int) -> HttpResponse:
    context = _detail_context(request, backtest_id)
    backtest, arms = context["backtest"], context["arms"]
    series = lab.backtest_series(backtest=backtest)
    wanted = int64_from_text(request.GET.get("arm", "")) or 0
    arm = next((a for a in arms if a.index == wanted), arms[0] if arms else None)
    page = int64_from_text(request.GET.get("page", "")) or 1
    context.update(
        summary=lab_page.summary_rows(backtest, arms, series),
        charts=lab_page.charts(backtest, arms, series) if series else None,
        table=lab_page.tick_table(backtest, arm, page) if arm is not None else None,
        own_label=lab_page.own_label(backtest.agent_type),
        macro=(backtest.summary or {}).get("macro_difference"),
        csv_url=reverse("api-backtest-series", args=[backtest.pk]) + "?format=csv",
        json_url=reverse("api-backtest-series", args=[backtest.pk]) + "?format=json")
    return render(request, "web/lab/detail.html", context)


@login_required
def lab_progress(request: HttpRequest, backtest_id: int) -> HttpResponse:
    """The progress strip (polled every 2 s while it runs); once the backtest has finished
    the open page reloads itself to draw the results."""
    context = _detail_context(request, backtest_id)
    response = render(request, "web/lab/_progress.html", context)
    if not context["active"] and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def lab_cancel(request: HttpRequest, backtest_id: int) -> HttpResponse:
    backtest = lab.backtest_get(user=request.user, backtest_id=backtest_id)
    was_active = lab_page.is_active(backtest)
    backtest_cancel(backtest=backtest)
    if was_active:
        messages.success(request, _("Cancel asked: running arms stop before their next tick; "
                                    "what they computed stays."))
    else:
        messages.info(request, _("This backtest had already finished."))
    return redirect("lab-detail", backtest_id=backtest.pk)
