from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ops.selectors import health_report


class HealthApi(APIView):
    """Database, cache and task-worker status. 503 when the database or cache is down."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        auth=[],
        summary="Platform health",
        responses=inline_serializer(
            "Health", {"status": serializers.CharField(), "checks": serializers.DictField()}
        ),
    )
    def get(self, request: Request) -> Response:
        report = health_report()
        return Response(report, status=503 if report["status"] == "down" else 200)
