"""Reads that gather several apps' rows: the operator console's overview of a simulation."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from history.models import TickAudit, TickLog
from history.selectors import simulation_latest_aggregates
from simulations.models import ACTIVE_OUTCOMES, Agent, DayRun, Shock
from simulations.selectors import day_runs_with_liveness


def console_overview(*, simulation_id: int) -> dict[str, Any]:
    """What the operator console's detail page shows, in a fixed number of queries."""
    runs = (DayRun.objects.filter(simulation_id=simulation_id)
            .select_related("requested_by").order_by("-created_at"))
    audits = TickAudit.objects.filter(simulation_id=simulation_id)
    counts = audits.aggregate(ticks=Count("id"), failed=Count("id", filter=Q(all_passed=False)))
    return {
        "aggregates": simulation_latest_aggregates(simulation_id=simulation_id),
        "active_runs": day_runs_with_liveness(runs.filter(outcome__in=ACTIVE_OUTCOMES)[:5]),
        "recent_runs": list(runs[:10]),
        "failures": list(runs.filter(outcome=DayRun.Outcome.FAILED)[:5]),
        "last_audit": audits.order_by("-tick").values("tick", "all_passed", "invariants",
                                                       "state_hash").first(),
        "audit_counts": counts,
        "logs": list(TickLog.objects.filter(simulation_id=simulation_id)
                     .order_by("-tick", "-id")[:20]),
        "shocks": list(Shock.objects.filter(simulation_id=simulation_id)
                       .order_by("-start_tick")[:10]),
        "agents": Agent.objects.filter(simulation_id=simulation_id).aggregate(
            total=Count("id"), claimed=Count("id", filter=Q(owner__isnull=False))),
    }
