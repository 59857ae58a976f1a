"""Mounted under /api/ beside simulations/urls.py (econsim_project/urls.py): the
simulations endpoints whose views reach other apps."""

from django.urls import path

from orchestration import agent_api, api
from orchestration.leaderboard_api import LeaderboardApi

urlpatterns = [
    path("simulations/<int:simulation_id>/", api.SimulationDetailApi.as_view(),
         name="api-simulation"),
    path("simulations/<int:simulation_id>/agents/<int:agent_id>/release/",
         api.AgentReleaseApi.as_view(), name="api-simulation-agent-release"),
    path("simulations/<int:simulation_id>/agents/<int:agent_id>/script-history/",
         agent_api.AgentScriptHistoryApi.as_view(), name="api-agent-script-history"),
    path("simulations/<int:simulation_id>/run_day/", api.SimulationRunDayApi.as_view(),
         name="api-simulation-run-day"),
    path("simulations/<int:simulation_id>/leaderboard/", LeaderboardApi.as_view(),
         name="api-simulation-leaderboard"),
    path("tasks/<str:task_id>/", api.TaskStatusApi.as_view(), name="api-task"),
]
