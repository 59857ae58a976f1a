"""Mounted under /api/ (econsim_project/urls.py)."""

from django.urls import path

from simulations import api

urlpatterns = [
    path("simulations/", api.SimulationListApi.as_view(), name="api-simulations"),
    path("simulations/<int:simulation_id>/agents/", api.AgentListApi.as_view(),
         name="api-simulation-agents"),
    path("simulations/<int:simulation_id>/agents/<int:agent_id>/claim/",
         api.AgentClaimApi.as_view(), name="api-simulation-agent-claim"),
    path("simulations/<int:simulation_id>/state/", api.SimulationStateApi.as_view(),
         name="api-simulation-state"),
    path("simulations/<int:simulation_id>/pause/", api.SimulationPauseApi.as_view(),
         name="api-simulation-pause"),
    path("simulations/<int:simulation_id>/resume/", api.SimulationResumeApi.as_view(),
         name="api-simulation-resume"),
    path("simulations/<int:simulation_id>/shocks/", api.ShockListApi.as_view(),
         name="api-simulation-shocks"),
    path("simulations/<int:simulation_id>/schedules/", api.ScheduleListApi.as_view(),
         name="api-simulation-schedules"),
    path("simulations/<int:simulation_id>/schedules/<int:schedule_id>/",
         api.ScheduleDetailApi.as_view(), name="api-simulation-schedule"),
]
