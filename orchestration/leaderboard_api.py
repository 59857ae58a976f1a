"""GET /api/simulations/{id}/leaderboard/?agent_type=&rank_by=  (participants and operators)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orchestration.leaderboard import DEFAULT_RANK_BY, WINDOWS, leaderboard_get
from simulations.api import TAG
from simulations.engine.scores import SCORED_TYPES
from simulations.selectors import simulation_get

SCORE_HELP = ("Households: utility (a float); firms and banks: integer cents. See the docs' "
              "Scores section for the formulas.")


class LeaderboardInputSerializer(serializers.Serializer):
    agent_type = serializers.ChoiceField(
        choices=list(SCORED_TYPES), required=False,
        help_text="Only this agent type's board (default: every scored type).")
    rank_by = serializers.ChoiceField(
        choices=list(WINDOWS), required=False, default=DEFAULT_RANK_BY,
        help_text="The window the ranks follow.")

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {key: ErrorDetail("Unknown parameter.", "unknown_field")
                 for key in sorted(unknown)})
        return attrs


class WindowSerializer(serializers.Serializer):
    first_day = serializers.IntegerField()
    last_day = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text=SCORE_HELP + " Null when the "
                                   "agent's mount does not cover the window.")
    bar = serializers.FloatField(allow_null=True, help_text="The lower median of the baseline "
                                 "(non-scripted) agents of the type over the same days.")


class WindowsSerializer(serializers.Serializer):
    last_day = WindowSerializer()
    last_7_days = WindowSerializer()
    since_mount = WindowSerializer()


class BaselineWindowsSerializer(serializers.Serializer):
    last_day = WindowSerializer()
    last_7_days = WindowSerializer()


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="Null: no score in the ranked "
                                    "window (the mount is younger than the window).")
    engine_id = serializers.IntegerField()
    nickname = serializers.CharField()
    script_name = serializers.CharField(allow_null=True, help_text="Null when hidden.")
    script_hidden = serializers.BooleanField()
    version = serializers.IntegerField()
    since_tick = serializers.IntegerField()
    first_full_day = serializers.IntegerField()
    windows = WindowsSerializer()


class LeaderboardSerializer(serializers.Serializer):
    agent_type = serializers.ChoiceField(choices=list(SCORED_TYPES))
    unit = serializers.ChoiceField(choices=["utility", "cents"])
    day = serializers.IntegerField(allow_null=True, help_text="The last scored day.")
    rank_by = serializers.ChoiceField(choices=list(WINDOWS))
    rows = LeaderboardRowSerializer(many=True)
    baseline = BaselineWindowsSerializer(allow_null=True)
    baseline_agents = serializers.IntegerField()


class LeaderboardOutputSerializer(serializers.Serializer):
    simulation_id = serializers.IntegerField()
    boards = LeaderboardSerializer(many=True)


class LeaderboardApi(APIView):
    @extend_schema(
        summary="Leaderboard of the scripted agents, with the baseline median to beat",
        description=(
            "Per scored agent type (household, firm, bank): every agent a script drives now, "
            "ranked by its score over `rank_by` (descending; ties by engine id), with its "
            "scores over the last scored day, the last 7 days and since its mount's first "
            "full day, each beside the lower median of the agents no script drives over the "
            "same days. " + SCORE_HELP + " Participants and operators only."),
        parameters=[LeaderboardInputSerializer],
        responses={200: LeaderboardOutputSerializer,
                   400: OpenApiResponse(description="A parameter is invalid; the body names "
                                                    "it and its rule."),
                   404: OpenApiResponse(description="No such simulation (also: archived, or "
                                                    "you take no part in it).")},
        tags=TAG)
    def get(self, request: Request, simulation_id: int) -> Response:
        # Who asks comes first: strangers learn nothing from the validation of the query.
        simulation = simulation_get(user=request.user, simulation_id=simulation_id,
                                    participants_only=True)
        data = LeaderboardInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        types = [data.validated_data["agent_type"]] if "agent_type" in data.validated_data \
            else list(SCORED_TYPES)
        boards = [asdict(leaderboard_get(simulation=simulation, agent_type=t,
                                         rank_by=data.validated_data["rank_by"]))
                  for t in types]
        for board in boards:
            board["baseline"] = board["baseline"] or None
        return Response({"simulation_id": simulation.pk, "boards": boards})
