"""The client's address, derived in one place for every throttle and rate limit (DRF's API
throttles, the token endpoint's per-IP limit, allauth's login limits).

`X-Forwarded-For` is written by whoever sends the request; only the entries appended by our
own proxies can be believed. With `TRUSTED_PROXY_COUNT = n` the client is the n-th address
from the right (the one the outermost trusted proxy saw); with 0 (the default) the header is
ignored and the client is `REMOTE_ADDR`. A header with fewer entries than trusted proxies,
or a value that is not an IP address, did not come through our proxies as configured: the
peer address is used then, so a client can never pick its own identity by rotating the header.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for") if count else None
    if not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
