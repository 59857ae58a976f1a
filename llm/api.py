from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from llm.selectors import llm_usage_daily, llm_usage_list
from llm.serializers import (
    CompletionInputSerializer,
    CompletionOutputSerializer,
    UsageDailyInputSerializer,
    UsageDailySerializer,
    UsageListInputSerializer,
    UsageRecordSerializer,
)
from llm.services import llm_complete, llm_invalid_request_record

_ERRORS = {
    400: OpenApiResponse(description="Invalid request: errors name the field and the rule."),
    429: OpenApiResponse(
        description="A limit was hit: rule requests_per_minute or tokens_per_day; Retry-After."
    ),
    502: OpenApiResponse(description="The model provider gave no usable answer."),
    504: OpenApiResponse(description="The model provider did not answer in time."),
}
_PAGE = OpenApiParameter("page", int, description="Page number, from 1.")
_PAGE_SIZE = OpenApiParameter("page_size", int, description="Records per page (50, at most 200).")
_PAGINATED_USAGE = inline_serializer(
    "PaginatedLlmUsage",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": UsageRecordSerializer(many=True),
    },
)


def _first_error(detail: object, path: str = "") -> str:
    """ "field: rule" of the first error, for the usage record of a refused request."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if found := _first_error(value, f"{path}.{key}" if path else str(key)):
                return found
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            if found := _first_error(value, f"{path}.{index}" if nested else path):
                return found
    else:
        return f"{path}: {getattr(detail, 'code', 'invalid')}"
    return ""


class UsagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _subject_user_id(request: Request, data: dict) -> int:
    """Whose usage to show: the caller's, or with ?user= another user's (operators only)."""
    user_id = data.get("user", request.user.pk)
    if user_id == request.user.pk:
        return user_id
    if not request.user.is_staff:
        raise PermissionDenied("Only operators may read another user's usage.")
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise ValidationError({"user": ["No user has this id."]}, code="does_not_exist")
    return user_id


class CompletionCreateApi(APIView):
    """Complete a chat or a prompt within the caller's LLM limits."""

    @extend_schema(
        request=CompletionInputSerializer,
        responses={200: CompletionOutputSerializer, **_ERRORS},
        summary="Create a completion",
    )
    def post(self, request: Request) -> Response:
        data = CompletionInputSerializer(data=request.data)
        if not data.is_valid():
            model = request.data.get("model") if isinstance(request.data, dict) else None
            llm_invalid_request_record(
                user_id=request.user.pk,
                model=model if isinstance(model, str) else "",
                rule=_first_error(data.errors),
            )
            raise ValidationError(data.errors)
        result = llm_complete(user_id=request.user.pk, **data.validated_data)
        return Response(CompletionOutputSerializer(result).data)


class UsageListApi(APIView):
    """The caller's LLM usage records, newest first (operators: anyone's with ?user=)."""

    @extend_schema(
        parameters=[UsageListInputSerializer, _PAGE, _PAGE_SIZE],
        responses={200: _PAGINATED_USAGE},
        summary="Your LLM usage",
    )
    def get(self, request: Request) -> Response:
        data = UsageListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        records = llm_usage_list(user_id=_subject_user_id(request, data.validated_data))
        paginator = UsagePagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(UsageRecordSerializer(page, many=True).data)


class UsageDailyApi(APIView):
    """The caller's LLM usage per UTC day and model (operators: anyone's with ?user=)."""

    @extend_schema(
        parameters=[UsageDailyInputSerializer],
        responses={200: UsageDailySerializer(many=True)},
        summary="Your LLM usage per day",
    )
    def get(self, request: Request) -> Response:
        data = UsageDailyInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        rows = llm_usage_daily(
            user_id=_subject_user_id(request, data.validated_data),
            days=data.validated_data["days"],
            today=timezone.now().date(),
        )
        return Response(UsageDailySerializer(rows, many=True).data)
