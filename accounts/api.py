from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
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
from accounts.token_limits import token_attempt_begin, token_attempt_succeeded
from econsim_project.throttling import AuthTokenIpThrottle


class TooManyAttempts(Throttled):
    """429 with Retry-After: this username's failed attempts reached the window's limit."""

    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."

    def __init__(self, *, wait: int) -> None:
        super().__init__(wait=wait, detail="Too many failed attempts for this username.",
                         code="too_many_attempts")


class AuthTokenApi(APIView):
    """API tokens: POST trades a username and password for a token, DELETE revokes it.

    POST is limited per client address (`THROTTLE_AUTH_TOKEN_RATE`, on top of the anonymous
    rate) and per username tried (`AUTH_TOKEN_FAILURES_PER_ACCOUNT` failures per
    `AUTH_TOKEN_FAILURE_WINDOW_SECONDS`)."""

    throttle_classes = [*APIView.throttle_classes, AuthTokenIpThrottle]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenCreateInputSerializer,
        responses={200: TokenOutputSerializer},
        auth=[],
        summary="Get an API token",
        description="Over a limit: 429 with `Retry-After` (rule `throttled` per address, "
                    "`too_many_attempts` per username); nothing is checked or changed.",
    )
    def post(self, request: Request) -> Response:
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = token_attempt_begin(username=data.validated_data["username"])
        if not attempt.allowed:
            raise TooManyAttempts(wait=attempt.retry_after)
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
        token_attempt_succeeded(attempt=attempt)
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
