"""GET /api/simulations/{id}/agents/{agent_id}/script-history/: one agent's script calls, tick
by tick, across version switches (orchestration.agent_history joins the archive with the
scripts' rows). Keyset pages like the history lists; the agent's owner and operators only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econsim_project.fields import Int64Field
from history.models import DecisionRecord
from history.pagination import cursor_decode, cursor_encode
from history.serializers import TickRangeInputSerializer, page_serializer
from orchestration.agent_history import (
    agent_for_user,
    script_history_page,
    script_history_query,
)


class ScriptHistoryFilterSerializer(TickRangeInputSerializer):
    format = None  # JSON pages only (DRF answers an unknown ?format= with 404)
    version = Int64Field(min_value=1, required=False,
                         help_text="Only the calls of this script version (its id).")
    outcome = serializers.ChoiceField(choices=DecisionRecord.Outcome.values, required=False)


class FailureBriefSerializer(serializers.Serializer):
    kind = serializers.CharField()
    message = serializers.CharField(allow_blank=True)


class ScriptHistoryOutputSerializer(serializers.Serializer):
    tick = serializers.IntegerField()
    day = serializers.IntegerField()
    outcome = serializers.ChoiceField(
        choices=DecisionRecord.Outcome.values,
        help_text="accepted; rejected (the agent followed its baseline rule: `field` and "
                  "`rule` say why); failed (`rule` is the sandbox's failure kind); empty.")
    decision = serializers.JSONField(allow_null=True, help_text="As the script returned it, "
                                                                "memory split off.")
    field = serializers.CharField(allow_blank=True)
    rule = serializers.CharField(allow_blank=True)
    cpu_ms = serializers.FloatField()
    script = serializers.IntegerField(source="script_id", allow_null=True)
    script_name = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(source="version_id")
    version_number = serializers.IntegerField(allow_null=True)
    mount = serializers.IntegerField(source="mount_id")
    output = serializers.CharField(allow_blank=True, help_text="What the script printed.")
    failures = FailureBriefSerializer(many=True)


class AgentScriptHistoryApi(APIView):
    @extend_schema(
        summary="An agent's script history, tick by tick", tags=["history"],
        description="One row per script call: the version that ran, the outcome with the "
                    "engine's field and rule (or the failure kind), the decision, the printed "
                    "output, the CPU charged and the failures recorded. Oldest first; `next` "
                    "is the following page. Your own agents only (operators: any); another "
                    "user's agent answers 404 like a missing one.",
        parameters=[ScriptHistoryFilterSerializer],
        responses={200: page_serializer("ScriptHistoryPage", ScriptHistoryOutputSerializer),
                   400: OpenApiResponse(description="A filter is invalid; the body names it."),
                   404: OpenApiResponse(description="No such agent of yours.")})
    def get(self, request: Request, simulation_id: int, agent_id: int) -> Response:
        agent = agent_for_user(user=request.user, simulation_id=simulation_id,
                               agent_id=agent_id)
        data = ScriptHistoryFilterSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        filters = dict(data.validated_data)
        limit = filters.pop("limit")
        offset_mode = "offset" in filters
        token, offset = filters.pop("cursor", None), filters.pop("offset", 0)
        query = script_history_query(agent=agent, version_id=filters.pop("version", None),
                                     **filters)
        page = script_history_page(agent=agent, query=query,
                                   after=cursor_decode(token) if token else None,
                                   offset=offset, limit=limit)
        next_url = None
        if page.has_more:
            params = request.query_params.copy()
            for name in ("cursor", "offset"):
                params.pop(name, None)
            params.update({"offset": str(offset + limit)} if offset_mode
                          else {"cursor": cursor_encode(page.after)})
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response({"results": ScriptHistoryOutputSerializer(page.rows, many=True).data,
                         "next": next_url})
