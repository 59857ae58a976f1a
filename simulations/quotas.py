"""Claimed agents in the quota ledger: one line per simulation where the user holds agents
(the limit is the simulation's `max_agents_per_user`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.quotas import QuotaUsage
from simulations.models import Agent


def claimed_agents_quota_source(*, user_ids: list[int],
                                now: datetime) -> dict[int, list[QuotaUsage]]:
    rows = (Agent.objects.filter(owner_id__in=user_ids, simulation__archived_at__isnull=True)
            .values("owner_id", "simulation_id", "simulation__name",
                    "simulation__max_agents_per_user")
            .annotate(used=Count("id")).order_by("owner_id", "simulation_id"))
    report: dict[int, list[QuotaUsage]] = {user_id: [] for user_id in user_ids}
    for row in rows:
        limit = row["simulation__max_agents_per_user"]
        report[row["owner_id"]].append(QuotaUsage(
            name=f"simulations.claimed_agents.{row['simulation_id']}",
            label=_("Agents claimed in %(simulation)s") % {"simulation": row["simulation__name"]},
            unit=_("agents"), limit=limit,
            used=row["used"], remaining=max(limit - row["used"], 0), period="simulation",
            resets_at=None))
    return report
