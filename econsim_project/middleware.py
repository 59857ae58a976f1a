"""The request body cap, enforced before anything reads the body.

Django reads a body when a view first asks for it and only then compares it with its own
limits, so a 100 MB body was received whole before an HTML 400 refused it. Here a declared
Content-Length over `API_MAX_BODY_BYTES` is answered 413 at once; a chunked body (no length
declared) is read up to the cap and refused as soon as it passes it.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from econsim_project.api_errors import body_too_large, refuse
from econsim_project.fields import int64_from_text

_CHUNK = 64 * 1024


def _read_capped(stream: io.RawIOBase, cap: int) -> bytes | None:
    """At most `cap` bytes of `stream`, or None once it holds more."""
    data = bytearray()
    while len(data) <= cap:
        chunk = stream.read(min(_CHUNK, cap + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
    return None


class BodyCapMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cap = settings.API_MAX_BODY_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared:
            size = int64_from_text(declared.strip())
            if size is None:
                return refuse(request, 400, "invalid", "body", "invalid",
                              "Content-Length is not a number of bytes.")
            if size > cap:
                return body_too_large(request, cap, size)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() \
                and "wsgi.input" in request.META:
            # WSGI servers decode chunks into wsgi.input; Django would read none of them
            # (no length), so the body is read here, within the cap, and handed on with its
            # length.
            body = _read_capped(request.META["wsgi.input"], cap)
            if body is None:
                return body_too_large(request, cap, None)
            request._stream = LimitedStream(io.BytesIO(body), len(body))
            request.META["CONTENT_LENGTH"] = str(len(body))
        return self.get_response(request)
