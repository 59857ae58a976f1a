"""DRF throttles that identify anonymous callers by `client_ip` (never by a header a client
can rotate). Counters live in the default cache: Redis in production."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from econsim_project.client_ip import client_ip

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is loading
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientIpAnonRateThrottle(AnonRateThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class ClientIpUserRateThrottle(UserRateThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class AuthTokenIpThrottle(SimpleRateThrottle):
    """Token requests (password checks) per client address, whoever is signed in."""

    scope = "auth_token"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
