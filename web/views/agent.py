"""An agent's own page: balance-sheet history, trades, ledger and script history, one tab each.
Only its owner and operators see it; anyone else gets the site's 404 page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as ApiValidationError

from history.models import DecisionRecord
from history.pagination import cursor_decode
from history.postings import KINDS
from simulations.engine.vocabulary import MARKETS
from web import agent_page
from web.figures import KIND_LABELS, MARKET_LABELS, OUTCOME_LABELS
from web.forms import AgentHistoryForm


def _form(request: HttpRequest) -> AgentHistoryForm:
    return AgentHistoryForm(
        request.GET, markets={m: MARKET_LABELS[m] for m in MARKETS},
        kinds={k: KIND_LABELS.get(k, k) for k in KINDS},
        outcomes={o: OUTCOME_LABELS[o] for o in DecisionRecord.Outcome.values})


@login_required
def agent_detail(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = agent_page.agent_page_agent(user=request.user, agent_id=agent_id)
    tab = request.GET.get("tab", "balance")
    if tab not in agent_page.TABS:
        tab = "balance"
    form = _form(request)
    context = {"agent": agent, "simulation": agent.simulation, "tab": tab,
               "tabs": agent_page.TABS, "form": form, "page": None, "error": None,
               "mount": agent.mounts.filter(active=True).select_related(
                   "script_version__script").first()}
    status = 200
    if not form.is_valid():
        context["error"], status = form.error_text(), 400
    else:
        filters = form.cleaned_data
        try:
            after = cursor_decode(filters["cursor"]) if filters.get("cursor") else None
        except ApiValidationError:
            context["error"] = _("This page position is not one the site gave: start again "
                                 "from the first page.")
            status, after = 400, None
        if status == 200:
            common = {"agent": agent, "filters": filters, "after": after,
                      "path": request.path, "params": request.GET}
            if tab == "script":
                context["page"] = agent_page.script_tab(**common)
            else:
                access = agent_page.agent_access(user=request.user, agent=agent)
                builder = {"balance": agent_page.balance_tab, "trades": agent_page.trades_tab,
                           "ledger": agent_page.ledger_tab}[tab]
                context["page"] = builder(access=access, **common)
    return render(request, "web/agent/page.html", context, status=status)
