"""GET /api/me/quotas/: the quota ledger of the signed-in user."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.quotas import QuotaPeriod, quota_report


class QuotaSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Stable identifier, e.g. llm.tokens_per_day.")
    label = serializers.CharField(help_text="What a person reads, in the request's language.")
    unit = serializers.CharField(
        help_text="requests, tokens, ms, scripts, versions, bytes or agents.")
    limit = serializers.IntegerField()
    used = serializers.IntegerField(
        help_text="Used in the current period (minute, day, tick); held (held); the largest "
                  "item (each); drawn from a full bucket (bucket).")
    remaining = serializers.IntegerField(
        help_text="What is left; for the bucket, the CPU ms stored in it.")
    period = serializers.ChoiceField(
        choices=QuotaPeriod.values,
        help_text="minute, day: a clock window; tick: every tick; bucket: the CPU burst bucket, "
                  "filled by unused CPU; held: things kept, freed by removing one; each: a "
                  "limit on each item.")
    resets_at = serializers.DateTimeField(
        allow_null=True, help_text="When the period ends; null unless it is on the clock."
    )


class QuotasOutputSerializer(serializers.Serializer):
    quotas = QuotaSerializer(many=True)


class MeQuotasApi(APIView):
    """Every limit the signed-in user is subject to, with its use in the current period."""

    @extend_schema(responses={200: QuotasOutputSerializer}, summary="Your quotas")
    def get(self, request: Request) -> Response:
        return Response(QuotasOutputSerializer({"quotas": quota_report(user=request.user)}).data)
