"""GET /api/me/quotas/: the quota ledger of the signed-in user."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.quotas import quota_report


class QuotaSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Stable identifier, e.g. llm.tokens_per_day.")
    label = serializers.CharField()
    unit = serializers.CharField(help_text="requests, tokens or ms.")
    limit = serializers.IntegerField()
    used = serializers.IntegerField(help_text="Used in the current period.")
    remaining = serializers.IntegerField()
    period = serializers.ChoiceField(choices=["minute", "day", "tick", "rolling"])
    resets_at = serializers.DateTimeField(
        allow_null=True, help_text="When the period ends; null for tick-based quotas."
    )


class QuotasOutputSerializer(serializers.Serializer):
    quotas = QuotaSerializer(many=True)


class MeQuotasApi(APIView):
    """Every limit the signed-in user is subject to, with its use in the current period."""

    @extend_schema(responses={200: QuotasOutputSerializer}, summary="Your quotas")
    def get(self, request: Request) -> Response:
        return Response(QuotasOutputSerializer({"quotas": quota_report(user=request.user)}).data)
