"""Backtests API: thin views (input serializer -> service or selector -> output serializer).

    POST /api/scripts/{id}/versions/{n}/backtests/    create (202: queued)
    GET  /api/backtests/                              your backtests, newest first, paginated
    GET  /api/backtests/{id}/                         status, progress per arm, validity, summary
    GET  /api/backtests/{id}/series/?format=json|csv  per arm and tick (lab.runner's rows)
    POST /api/backtests/{id}/cancel/                  stop; what was computed stays
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from history.export import CSVRenderer
from lab import selectors, services
from lab.export import series_csv
from lab.serializers import (
    BacktestCreateInputSerializer,
    BacktestOutputSerializer,
    SeriesQuerySerializer,
)
from scripts_lib.selectors import script_get, script_version_get

TAG = ["backtests"]
NOT_YOURS = OpenApiResponse(description="No such backtest (or script) of yours.")
REFUSED = OpenApiResponse(description="A limit was hit: rule backtest_ticks_per_day (with "
                                      "retry_after), script_cpu_bucket, backtests_active, or "
                                      "the request rate (throttled).")
SERIES_FORMAT = "lab.runner/1"


class BacktestPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class BacktestCreateApi(APIView):
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]
    throttle_scope = "backtests"

    @extend_schema(
        tags=TAG, summary="Backtest a script version against its alternatives",
        description="Either `agent` (an agent you own) with `start_tick` (a day end of its "
                    "simulation with a kept checkpoint), or `world` (a fresh world). Every "
                    "arm runs on a private copy of the world with the same random numbers; "
                    "the live world is never touched. Charged: arms x ticks to the "
                    "`backtest_ticks` quota, the scripts' CPU to your CPU bucket (reserved "
                    "now, the unused part given back at the end).",
        request=BacktestCreateInputSerializer,
        responses={202: BacktestOutputSerializer, 404: NOT_YOURS, 429: REFUSED})
    def post(self, request: Request, script_id: int, number: int) -> Response:
        script = script_get(user=request.user, script_id=script_id)
        version = script_version_get(script=script, number=number)
        data = BacktestCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        backtest = services.backtest_create(
            user=request.user, version=version, ticks=values["ticks"],
            arms=values.get("arms"), agent_id=values.get("agent"),
            start_tick=values.get("start_tick"), world=values.get("world"))
        backtest = selectors.backtest_get(user=request.user, backtest_id=backtest.pk)
        return Response(BacktestOutputSerializer(backtest).data, status=status.HTTP_202_ACCEPTED)


class BacktestListApi(APIView):
    @extend_schema(tags=TAG, summary="Your backtests, newest first",
                   parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=BacktestOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = BacktestPagination()
        page = paginator.paginate_queryset(selectors.backtests_for(user=request.user), request,
                                           view=self)
        return paginator.get_paginated_response(BacktestOutputSerializer(page, many=True).data)


class BacktestDetailApi(APIView):
    @extend_schema(tags=TAG, summary="One backtest: status, progress per arm, validity, summary",
                   responses={200: BacktestOutputSerializer, 404: NOT_YOURS})
    def get(self, request: Request, backtest_id: int) -> Response:
        backtest = selectors.backtest_get(user=request.user, backtest_id=backtest_id)
        return Response(BacktestOutputSerializer(backtest).data)


class BacktestCancelApi(APIView):
    @extend_schema(tags=TAG, summary="Cancel: running arms stop before their next tick",
                   description="The ticks computed stay. A finished backtest is unchanged.",
                   request=None, responses={200: BacktestOutputSerializer, 404: NOT_YOURS})
    def post(self, request: Request, backtest_id: int) -> Response:
        backtest = selectors.backtest_get(user=request.user, backtest_id=backtest_id)
        services.backtest_cancel(backtest=backtest)
        backtest = selectors.backtest_get(user=request.user, backtest_id=backtest_id)
        return Response(BacktestOutputSerializer(backtest).data)


class BacktestSeriesApi(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # ?format=xml: no such renderer
            raise ValidationError({"format": [
                "Must be json or csv."]}, code="invalid_choice") from None

    @extend_schema(
        tags=TAG, summary="Per arm and per tick: the agent's figures, its script, the macro",
        description="JSON: `{backtest, format, arms: [{index, kind, label, status, rows}]}`, "
                    "each row in the runner's per-tick format (lab/runner.py). CSV: one line "
                    "per arm and tick, nested figures as dotted columns.",
        parameters=[SeriesQuerySerializer],
        responses={(200, "application/json"): OpenApiTypes.OBJECT,
                   (200, "text/csv"): OpenApiTypes.STR, 404: NOT_YOURS})
    def get(self, request: Request, backtest_id: int) -> Response | HttpResponse:
        query = SeriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        backtest = selectors.backtest_get(user=request.user, backtest_id=backtest_id)
        rows = selectors.backtest_rows(backtest=backtest,
                                       arm_index=query.validated_data.get("arm"))
        if query.validated_data["format"] == "csv":
            text = series_csv((r.arm.index, r.arm.kind, r.arm.label, r.data)
                              for r in rows.iterator(chunk_size=500))
            response = HttpResponse(text, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="backtest-{backtest.pk}.csv"'
            return response
        arms = {arm.index: {"index": arm.index, "kind": arm.kind, "label": arm.label,
                            "status": arm.status, "rows": []}
                for arm in backtest.arms.all()
                if query.validated_data.get("arm") in (None, arm.index)}
        for row in rows.iterator(chunk_size=500):
            arms[row.arm.index]["rows"].append(row.data)
        return Response({"backtest": backtest.pk, "format": SERIES_FORMAT,
                         "arms": list(arms.values())})
