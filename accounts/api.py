from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import (
    MeOutputSerializer,
    MeUpdateInputSerializer,
    TokenCreateInputSerializer,
    TokenOutputSerializer,
)
from accounts.services import profile_update, token_issue, token_revoke


class AuthTokenApi(APIView):
    """API tokens: POST trades a username and password for a token, DELETE revokes it."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenCreateInputSerializer,
        responses={200: TokenOutputSerializer},
        auth=[],
        summary="Get an API token",
    )
    def post(self, request: Request) -> Response:
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise ValidationError(
                {"password": ["Username and password do not match an active account."]},
                code="invalid_credentials",
            )
        return Response({"token": token_issue(user=user).key})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Token revoked.")},
        summary="Revoke your API token",
    )
    def delete(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """The signed-in user's account and profile."""

    @extend_schema(responses={200: MeOutputSerializer}, summary="Your account")
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer.of(request.user))

    @extend_schema(
        request=MeUpdateInputSerializer,
        responses={200: MeOutputSerializer},
        summary="Update your profile",
    )
    def patch(self, request: Request) -> Response:
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        profile_update(
            user=request.user,
            avatar_file=fields.pop("avatar", None),
            clear_avatar=fields.pop("clear_avatar", False),
            **fields,
        )
        request.user.refresh_from_db(fields=["email"])
        return Response(MeOutputSerializer.of(request.user))
