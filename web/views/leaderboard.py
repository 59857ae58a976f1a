"""A simulation's leaderboard page: one table per scored agent type (participants and
operators; anyone else gets the 404 of a missing simulation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orchestration.leaderboard import DEFAULT_RANK_BY, WINDOWS, leaderboard_get
from simulations.engine.scores import SCORED_TYPES
from simulations.selectors import simulation_get


@login_required
def leaderboard(request: HttpRequest, simulation_id: int) -> HttpResponse:
    simulation = simulation_get(user=request.user, simulation_id=simulation_id,
                                participants_only=True)
    rank_by = request.GET.get("rank_by")
    if rank_by not in WINDOWS:  # a page, not an API: an unknown choice falls back
        rank_by = DEFAULT_RANK_BY
    boards = [leaderboard_get(simulation=simulation, agent_type=t, rank_by=rank_by)
              for t in SCORED_TYPES]
    return render(request, "web/leaderboard.html", {
        "simulation": simulation, "boards": boards, "rank_by": rank_by,
        "windows": WINDOWS, "day": boards[0].day})
