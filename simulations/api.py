"""The simulations API: one thin view per operation (input serializer -> service ->
output serializer). Operator endpoints answer 403 to ordinary users. The views that reach
other apps too (a simulation's detail with its latest aggregates, releasing an agent,
running ticks, a run task's progress) are in `orchestration/api.py`, under the same URLs."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from simulations import selectors, services
from simulations import serializers as s
from simulations.models import Schedule
from simulations.schedules import schedule_delete, schedule_save

TAG = ["simulations"]
E400 = OpenApiResponse(description="A parameter is invalid; the body names the field.")
E403 = OpenApiResponse(description="Operators only.")
E404 = OpenApiResponse(description="No such simulation (or not visible).")


class OperatorApi(APIView):
    permission_classes: ClassVar[list[type[BasePermission]]] = [IsAdminUser]


class AgentPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class SimulationListApi(APIView):
    def get_permissions(self) -> list[BasePermission]:
        return [IsAdminUser()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(summary="List simulations", tags=TAG,
                   responses={200: s.SimulationOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = selectors.simulations_visible(user=request.user)
        return Response(s.SimulationOutputSerializer(rows, many=True).data)

    @extend_schema(summary="Create a simulation (operators)", tags=TAG,
                   request=s.SimulationCreateInputSerializer,
                   responses={201: s.SimulationOutputSerializer, 400: E400, 403: E403})
    def post(self, request: Request) -> Response:
        data = s.SimulationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        simulation = services.simulation_create(**data.validated_data,
                                                created_by_id=request.user.pk)
        return Response(s.SimulationOutputSerializer(simulation).data,
                        status=status.HTTP_201_CREATED)


class AgentListApi(APIView):
    @extend_schema(summary="Agents of a simulation (filter by type, owner, free)", tags=TAG,
                   parameters=[s.AgentFilterSerializer],
                   responses={200: s.AgentOutputSerializer(many=True), 400: E400, 404: E404})
    def get(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        filters = s.AgentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        owner = filters.validated_data.get("owner")
        rows = selectors.agents_list(
            simulation_id=simulation.pk, agent_type=filters.validated_data.get("type"),
            owner_id=request.user.pk if owner == "me" else owner,
            free=filters.validated_data.get("free"))
        paginator = AgentPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(s.AgentOutputSerializer(page, many=True).data)


def no_agent() -> NotFound:
    return NotFound("No such agent.")


class AgentClaimApi(APIView):
    @extend_schema(summary="Claim a free agent (within the per-user limit)", tags=TAG,
                   description="Only agent types in the simulation's `claimable_agent_types`; "
                               "the others are assigned by an operator (400, rule "
                               "`operator_assigned`). Operators may claim any type.",
                   request=None, responses={200: s.AgentOutputSerializer, 400: E400, 404: E404})
    def post(self, request: Request, simulation_id: int, agent_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        try:
            agent = services.agent_claim(simulation_id=simulation.pk, agent_id=agent_id,
                                         user_id=request.user.pk,
                                         operator=request.user.is_staff)
        except services.AgentNotFound as exc:
            raise no_agent() from exc
        agent.owner = request.user
        return Response(s.AgentOutputSerializer(agent).data)


class SimulationStateApi(APIView):
    @extend_schema(summary="Public market data of the last tick (from the cache)", tags=TAG,
                   responses={200: s.StateOutputSerializer, 404: E404})
    def get(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        return Response(selectors.simulation_state(simulation_id=simulation.pk))


class SimulationPauseApi(OperatorApi):
    @extend_schema(summary="Pause a simulation (operators)", tags=TAG, request=None,
                   responses={200: s.StatusOutputSerializer, 403: E403, 404: E404})
    def post(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        changed = services.simulations_pause(simulation_ids=[simulation.pk])
        simulation.refresh_from_db()
        return Response({"changed": changed,
                         "simulation": s.SimulationOutputSerializer(simulation).data})


class SimulationResumeApi(OperatorApi):
    @extend_schema(summary="Resume a paused simulation (operators)", tags=TAG, request=None,
                   responses={200: s.StatusOutputSerializer, 403: E403, 404: E404})
    def post(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        changed = services.simulations_resume(simulation_ids=[simulation.pk])
        simulation.refresh_from_db()
        return Response({"changed": changed,
                         "simulation": s.SimulationOutputSerializer(simulation).data})


class ShockListApi(OperatorApi):
    @extend_schema(summary="Shocks of a simulation (operators)", tags=TAG,
                   responses={200: s.ShockOutputSerializer(many=True), 403: E403, 404: E404})
    def get(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        rows = selectors.shocks_list(simulation_id=simulation.pk)
        return Response(s.ShockOutputSerializer(rows, many=True).data)

    @extend_schema(summary="Apply a shock (operators)", tags=TAG, request=s.ShockInputSerializer,
                   responses={201: s.ShockOutputSerializer, 400: E400, 403: E403, 404: E404})
    def post(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        data = s.ShockInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Unknown keys go through too, so that the engine names them ("unknown field").
        spec = {**{k: v for k, v in request.data.items() if k not in data.fields},
                **data.validated_data}
        shock = services.shock_create(simulation_id=simulation.pk, spec=spec,
                                      created_by_id=request.user.pk)
        return Response(s.ShockOutputSerializer(shock).data, status=status.HTTP_201_CREATED)


class ScheduleListApi(OperatorApi):
    @extend_schema(summary="Schedules of a simulation (operators)", tags=TAG,
                   responses={200: s.ScheduleOutputSerializer(many=True), 403: E403})
    def get(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        rows = selectors.schedules_list(simulation_id=simulation.pk)
        return Response(s.ScheduleOutputSerializer(rows, many=True).data)

    @extend_schema(summary="Add a schedule: daily at HH:MM UTC or every N minutes", tags=TAG,
                   request=s.ScheduleInputSerializer,
                   responses={201: s.ScheduleOutputSerializer, 400: E400, 403: E403})
    def post(self, request: Request, simulation_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        data = s.ScheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = schedule_save(simulation_id=simulation.pk, **data.validated_data)
        return Response(s.ScheduleOutputSerializer(schedule).data,
                        status=status.HTTP_201_CREATED)


class ScheduleDetailApi(OperatorApi):
    @extend_schema(summary="Edit a schedule (operators)", tags=TAG,
                   request=s.ScheduleInputSerializer,
                   responses={200: s.ScheduleOutputSerializer, 400: E400, 403: E403})
    def put(self, request: Request, simulation_id: int, schedule_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        data = s.ScheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            schedule = schedule_save(simulation_id=simulation.pk, schedule_id=schedule_id,
                                     **data.validated_data)
        except Schedule.DoesNotExist as exc:
            raise _not_found() from exc
        return Response(s.ScheduleOutputSerializer(schedule).data)

    @extend_schema(summary="Delete a schedule (operators)", tags=TAG,
                   responses={204: None, 403: E403, 404: E404})
    def delete(self, request: Request, simulation_id: int, schedule_id: int) -> Response:
        simulation = selectors.simulation_get(user=request.user, simulation_id=simulation_id)
        if not selectors.schedules_list(simulation_id=simulation.pk).filter(
                pk=schedule_id).exists():
            raise _not_found()
        schedule_delete(schedule_id=schedule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _not_found() -> NotFound:
    return NotFound("No such schedule.")
