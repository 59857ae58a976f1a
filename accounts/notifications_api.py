from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from accounts.notifications import (
    notification_mark_read,
    notifications_for_user,
    notifications_mark_all_read,
    notifications_unread_count,
)


class NotificationOutputSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "data", "created_at", "read_at", "read"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class NotificationListApi(APIView):
    @extend_schema(
        summary="Your notifications, newest first",
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones."),
                    OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=NotificationOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread", "false").lower()
        if unread not in {"true", "false", "1", "0"}:
            raise ValidationError({"unread": [serializers.ErrorDetail(
                "Must be true or false.", code="invalid")]})
        queryset = notifications_for_user(user_id=request.user.pk,
                                          unread_only=unread in {"true", "1"})
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        response = paginator.get_paginated_response(
            NotificationOutputSerializer(page, many=True).data)
        response.data["unread_count"] = notifications_unread_count(user_id=request.user.pk)
        return response


class NotificationReadApi(APIView):
    @extend_schema(summary="Mark one notification read", request=None,
                   responses=NotificationOutputSerializer)
    def post(self, request: Request, notification_id: int) -> Response:
        try:
            notification = notification_mark_read(user_id=request.user.pk,
                                                  notification_id=notification_id)
        except Notification.DoesNotExist:
            raise NotFound("No such notification of yours.") from None
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    @extend_schema(summary="Mark all your notifications read", request=None,
                   responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}))
    def post(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user_id=request.user.pk)})
