"""API views that reach across apps, mounted under /api/ beside the simulations API (same
URL names and tag): a simulation's detail with its latest aggregates (history), releasing an
agent (its script mount ends), running ticks and following a run task's progress."""

from __future__ import annotations

from celery.result import AsyncResult
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from history.selectors import simulation_latest_aggregates
from orchestration.runs import day_run_request
from orchestration.services import agent_release
from simulations import selectors
from simulations import serializers as s
from simulations.api import E400, E403, E404, TAG, OperatorApi, no_agent
from simulations.models import DayRun
from simulations.services import AgentNotFound


class SimulationDetailApi(APIView):
    @extend_schema(summary="A simulation: status, tick, day and latest aggregates", tags=TAG,
                   responses={200: s.SimulationDetailOutputSerializer, 404: E404})
    def get(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        simulation.latest_aggregates = simulation_latest_aggregates(
            simulation_id=simulation.pk)
        return Response(s.SimulationDetailOutputSerializer(simulation).data)


class AgentReleaseApi(APIView):
    @extend_schema(summary="Release an agent you own (its script is unmounted)", tags=TAG,
                   description="The agent's active mount ends (reason `released`), its pending "
                               "rotations are cancelled and the agent is free again. An agent "
                               "you do not own answers 404, like a missing one.",
                   request=None, responses={200: s.AgentOutputSerializer, 404: E404})
    def post(self, request: Request, simulation_id: int, agent_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        try:
            agent = agent_release(simulation_id=simulation.pk, agent_id=agent_id,
                                           user_id=request.user.pk)
        except AgentNotFound as exc:
            raise no_agent() from exc
        return Response(s.AgentOutputSerializer(agent).data)


class SimulationRunDayApi(OperatorApi):
    @extend_schema(summary="Run a day, N ticks or the rest of the day (operators)", tags=TAG,
                   request=s.RunInputSerializer,
                   responses={202: s.DayRunOutputSerializer, 400: E400, 403: E403, 404: E404})
    def post(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        data = s.RunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticks = data.validated_data.get("ticks")
        mode = (DayRun.Mode.FILL if data.validated_data["fill"]
                else DayRun.Mode.TICKS if ticks is not None else DayRun.Mode.DAY)
        run = day_run_request(simulation_id=simulation.pk, mode=mode, ticks=ticks,
                              requested_by_id=request.user.pk, via=DayRun.Via.API)
        return Response(s.DayRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class TaskStatusApi(OperatorApi):
    @extend_schema(summary="Progress of a run task (operators)", tags=TAG,
                   responses={200: s.TaskOutputSerializer, 403: E403,
                              404: OpenApiResponse(description="Unknown task.")})
    def get(self, request: Request, task_id: str) -> Response:
        run = selectors.day_run_by_task(task_id=task_id)
        result = AsyncResult(task_id)
        if run is None and result.state == "PENDING":  # Celery says PENDING for any unknown id
            raise NotFound("No such task.")
        info = result.info if isinstance(result.info, dict) else {}
        current = info.get("current", info.get("ticks_done", run.ticks_done if run else None))
        total = info.get("total", run.ticks_requested if run else None)
        return Response({"task_id": task_id, "state": result.state, "current": current,
                         "total": total,
                         "day_run": s.DayRunOutputSerializer(run).data if run else None})
