"""Thin views: input serializer -> service or selector -> output serializer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scripts_lib import selectors, services
from scripts_lib.dry_run import DryRunLimited, script_source_dry_run, script_version_dry_run
from scripts_lib.sandbox import SandboxError
from scripts_lib.serializers import (
    DryRunInputSerializer,
    DryRunOutputSerializer,
    DryRunSourceInputSerializer,
    FailureFilterSerializer,
    FailureOutputSerializer,
    MountCreateInputSerializer,
    MountOutputSerializer,
    RotationCreateInputSerializer,
    RotationOutputSerializer,
    ScriptCreateInputSerializer,
    ScriptOutputSerializer,
    ScriptUpdateInputSerializer,
    VersionCreateInputSerializer,
    VersionDetailOutputSerializer,
    VersionOutputSerializer,
)
from simulations.engine.schema import schema_document
from simulations.models import Simulation
from simulations.selectors import simulation_get

TAG = ["scripts"]
NOT_YOURS = OpenApiResponse(description="No such object of yours (operators see all).")


class SandboxDown(APIException):
    status_code = 503
    default_code = "sandbox_unavailable"
    default_detail = "Scripts cannot run on this server right now (isolation unavailable)."


class TooManyDryRuns(Throttled):
    """429 with Retry-After: the user's dry runs of this minute reached the limit."""

    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."

    def __init__(self, exc: DryRunLimited) -> None:
        super().__init__(wait=exc.wait, detail=f"At most {exc.limit} dry runs a minute.",
                         code=DryRunLimited.rule)


DRY_RUN_ERRORS = {
    404: NOT_YOURS,
    429: OpenApiResponse(description="Over `SCRIPT_DRY_RUNS_PER_MINUTE` (rule "
                                     "`too_many_dry_runs`, with Retry-After); nothing ran."),
    503: OpenApiResponse(description="Sandbox unavailable."),
}


def _dry_run(run: object, **kwargs: object) -> Response:
    try:
        outcome = run(**kwargs)
    except DryRunLimited as exc:
        raise TooManyDryRuns(exc) from exc
    except SandboxError as exc:  # fail closed, and say so instead of a 500
        raise SandboxDown(f"{SandboxDown.default_detail} {exc}") from exc
    return Response(DryRunOutputSerializer(outcome.as_dict()).data)


class ScriptPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _paginated(request: Request, view: APIView, queryset: object,
               serializer: type[serializers.Serializer]) -> Response:
    paginator = ScriptPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _simulation(request: Request, simulation_id: int) -> Simulation:
    # The simulations' one gate: archived (to users) and missing answer the same 404.
    return simulation_get(user=request.user, simulation_id=simulation_id)


class ScriptListCreateApi(APIView):
    @extend_schema(tags=TAG, summary="Your scripts (operators: everyone's)",
                   parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=ScriptOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _paginated(request, self, selectors.scripts_visible(user=request.user),
                          ScriptOutputSerializer)

    @extend_schema(tags=TAG, summary="Create a script (then upload versions)",
                   request=ScriptCreateInputSerializer, responses={201: ScriptOutputSerializer})
    def post(self, request: Request) -> Response:
        data = ScriptCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        script = services.script_create(owner=request.user, **data.validated_data)
        script = selectors.script_get(user=request.user, script_id=script.pk)
        return Response(ScriptOutputSerializer(script).data, status=status.HTTP_201_CREATED)


class ScriptDetailApi(APIView):
    @extend_schema(tags=TAG, summary="One script", responses={200: ScriptOutputSerializer,
                                                              404: NOT_YOURS})
    def get(self, request: Request, script_id: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        return Response(ScriptOutputSerializer(script).data)

    @extend_schema(tags=TAG, summary="Rename, describe or hide the name of a script (its "
                                     "agent type is fixed)",
                   request=ScriptUpdateInputSerializer,
                   responses={200: ScriptOutputSerializer, 404: NOT_YOURS})
    def patch(self, request: Request, script_id: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        if "agent_type" in request.data:
            raise ValidationError({"agent_type": [serializers.ErrorDetail(
                "The agent type of a script cannot change; create a new script.",
                code="read_only")]})
        data = ScriptUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.script_update(script=script, **data.validated_data)
        script = selectors.script_get(user=request.user, script_id=script_id)
        return Response(ScriptOutputSerializer(script).data)

    @extend_schema(tags=TAG, summary="Delete a script (archived instead once a version ran)",
                   request=None, responses={204: OpenApiResponse(description="Deleted or "
                                                                             "archived."),
                                            404: NOT_YOURS})
    def delete(self, request: Request, script_id: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        services.script_delete(script=script)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScriptVersionListCreateApi(APIView):
    @extend_schema(tags=TAG, summary="Versions of a script, newest first",
                   parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses={200: VersionOutputSerializer(many=True), 404: NOT_YOURS})
    def get(self, request: Request, script_id: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        return _paginated(request, self, selectors.script_versions(script=script),
                          VersionOutputSerializer)

    @extend_schema(tags=TAG, summary="Upload a new version (checked before it is saved)",
                   description="Refused with the line: syntax errors (`syntax_error`), imports "
                               "outside the allowlist (`forbidden_import`), no `decide` "
                               "(`missing_decide`), over the size quota (`too_large`).",
                   request=VersionCreateInputSerializer,
                   responses={201: VersionDetailOutputSerializer, 404: NOT_YOURS})
    def post(self, request: Request, script_id: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        data = VersionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.script_version_create(script=script, user=request.user,
                                                 source=data.validated_data["source"])
        version = selectors.script_version_get(script=script, number=version.number)
        return Response(VersionDetailOutputSerializer(version).data,
                        status=status.HTTP_201_CREATED)


class ScriptVersionDetailApi(APIView):
    @extend_schema(tags=TAG, summary="One version with its source",
                   responses={200: VersionDetailOutputSerializer, 404: NOT_YOURS})
    def get(self, request: Request, script_id: int, number: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        version = selectors.script_version_get(script=script, number=number)
        return Response(VersionDetailOutputSerializer(version).data)


class ScriptVersionDryRunApi(APIView):
    @extend_schema(tags=TAG, summary="Run a version once in the sandbox, changing nothing",
                   description="Against the live observation of an agent you claimed, or a "
                               "sample observation. Returns the decision, the engine's "
                               "validation, the captured output and the CPU used.",
                   request=DryRunInputSerializer,
                   responses={200: DryRunOutputSerializer, **DRY_RUN_ERRORS})
    def post(self, request: Request, script_id: int, number: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        version = selectors.script_version_get(script=script, number=number)
        data = DryRunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _dry_run(script_version_dry_run, version=version, user=request.user,
                        agent_id=data.validated_data.get("agent"),
                        memory=data.validated_data.get("memory"),
                        scenario=data.validated_data["scenario"])


class ScriptSourceDryRunApi(APIView):
    @extend_schema(tags=TAG, summary="Dry-run unsaved source, creating no version",
                   description="The upload's checks first (400 on `source`: `too_large`, "
                               "`too_complex`, `syntax_error`, `forbidden_import`, "
                               "`missing_decide`), then as a version's dry run. Counts "
                               "against the per-minute dry-run limit; the CPU it used is "
                               "taken from your CPU bucket. The answer carries the "
                               "observation the script saw and the memory it returned.",
                   request=DryRunSourceInputSerializer,
                   responses={200: DryRunOutputSerializer, **DRY_RUN_ERRORS})
    def post(self, request: Request, script_id: int) -> Response:
        script = selectors.script_get(user=request.user, script_id=script_id)
        data = DryRunSourceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _dry_run(script_source_dry_run, script=script, user=request.user,
                        source=data.validated_data["source"],
                        agent_id=data.validated_data.get("agent"),
                        memory=data.validated_data.get("memory"),
                        scenario=data.validated_data["scenario"])


class ScriptSchemaApi(APIView):
    @extend_schema(tags=TAG, summary="Observation and decision schemas of every agent type",
                   responses={200: OpenApiResponse(description="The engine's schema document.")})
    def get(self, request: Request) -> Response:
        return Response(schema_document())


class MountListCreateApi(APIView):
    @extend_schema(tags=TAG, summary="Mounts in a simulation: yours (operators: all)",
                   parameters=[OpenApiParameter("active", bool,
                                                description="Only active (true) or ended "
                                                            "(false) mounts."),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=MountOutputSerializer(many=True))
    def get(self, request: Request, simulation_id: int) -> Response:
        _simulation(request, simulation_id)
        raw = request.query_params.get("active")
        if raw not in (None, "true", "false"):
            raise ValidationError({"active": [serializers.ErrorDetail("Must be true or false.",
                                                                      code="invalid")]})
        active = None if raw is None else raw == "true"
        queryset = selectors.mounts_for(user=request.user, simulation_id=simulation_id,
                                        active=active)
        return _paginated(request, self, queryset, MountOutputSerializer)

    @extend_schema(tags=TAG, summary="Mount a script version on an agent you claimed",
                   request=MountCreateInputSerializer, responses={201: MountOutputSerializer})
    def post(self, request: Request, simulation_id: int) -> Response:
        _simulation(request, simulation_id)
        data = MountCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mount = services.mount_create(simulation_id=simulation_id, user=request.user,
                                      agent_id=data.validated_data["agent"],
                                      version_id=data.validated_data["script_version"])
        return Response(MountOutputSerializer(mount).data, status=status.HTTP_201_CREATED)


class MountDeleteApi(APIView):
    @extend_schema(tags=TAG, summary="Unmount: the agent follows its baseline rule from the "
                                     "next tick", request=None,
                   responses={204: OpenApiResponse(description="Unmounted.")})
    def delete(self, request: Request, simulation_id: int, mount_id: int) -> Response:
        _simulation(request, simulation_id)
        services.mount_delete(simulation_id=simulation_id, mount_id=mount_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotationListCreateApi(APIView):
    @extend_schema(tags=TAG, summary="Rotations in a simulation: yours (operators: all)",
                   parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=RotationOutputSerializer(many=True))
    def get(self, request: Request, simulation_id: int) -> Response:
        _simulation(request, simulation_id)
        return _paginated(request, self, selectors.rotations_for(
            user=request.user, simulation_id=simulation_id), RotationOutputSerializer)

    @extend_schema(tags=TAG, summary="Schedule a new version for a mounted agent",
                   description="Takes effect at the next day boundary, on the same agent with "
                               "the same memory; a pending rotation of the mount is replaced.",
                   request=RotationCreateInputSerializer,
                   responses={201: RotationOutputSerializer})
    def post(self, request: Request, simulation_id: int) -> Response:
        _simulation(request, simulation_id)
        data = RotationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rotation = services.rotation_schedule(
            simulation_id=simulation_id, user=request.user,
            mount_id=data.validated_data["mount"],
            version_id=data.validated_data["script_version"])
        return Response(RotationOutputSerializer(rotation).data, status=status.HTTP_201_CREATED)


class MyFailuresApi(APIView):
    @extend_schema(tags=TAG, summary="Failures of your scripts, newest first",
                   parameters=[FailureFilterSerializer, OpenApiParameter("page", int),
                               OpenApiParameter("page_size", int)],
                   responses=FailureOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = FailureFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.failures_for(
            user=request.user, simulation_id=filters.validated_data.get("simulation"),
            script_id=filters.validated_data.get("script"))
        return _paginated(request, self, queryset, FailureOutputSerializer)
