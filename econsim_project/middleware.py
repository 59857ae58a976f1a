"""The request body cap, enforced before anything reads the body.

Django reads a body when a view first asks for it and only then compares it with its own
limits, so a 100 MB body was received whole before an HTML 400 refused it. A declared
Content-Length over `API_MAX_BODY_BYTES` is answered 413 at once; a chunked body (no length
declared) is read up to the cap and refused one byte past it. WSGI (gunicorn): the first
middleware does both. ASGI: Django's handler reads the whole body before any middleware runs,
so `CappedASGIHandler` (econsim_project/asgi.py) checks there.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Awaitable, Callable
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from econsim_project.api_errors import body_too_large, refuse
from econsim_project.fields import int64_from_text

_CHUNK = 64 * 1024


def _declared_refusal(path: str, declared: str) -> HttpResponse | None:
    """The answer to a declared Content-Length that is not a size or is over the cap."""
    if not declared:
        return None
    size = int64_from_text(declared.strip())
    if size is None:
        return refuse(path, 400, "invalid", "body", "invalid",
                      "Content-Length is not a number of bytes.")
    cap = settings.API_MAX_BODY_BYTES
    return body_too_large(path, cap, size) if size > cap else None


def _read_capped(stream: IO[bytes], cap: int) -> bytes | None:
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
        declared = request.META.get("CONTENT_LENGTH") or ""
        refusal = _declared_refusal(request.path, declared)
        if refusal is not None:
            return refusal
        if not declared and "wsgi.input" in request.META \
                and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # WSGI servers decode chunks into wsgi.input; Django would read none of them (no
            # length), so the body is read here, within the cap, and handed on with its length.
            cap = settings.API_MAX_BODY_BYTES
            body = _read_capped(request.META["wsgi.input"], cap)
            if body is None:
                return body_too_large(request.path, cap, None)
            request._stream = LimitedStream(io.BytesIO(body), len(body))
            request.META["CONTENT_LENGTH"] = str(len(body))
        return self.get_response(request)


class _OverCap(Exception):
    pass


class CappedASGIHandler(ASGIHandler):
    """Django's ASGI handler with the body cap applied while the body is received."""

    async def handle(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                     send: Callable[[dict], Awaitable[None]]) -> None:
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        refusal = _declared_refusal(scope["path"], declared)
        try:
            if refusal is None:
                await super().handle(scope, receive, send)
                return
        except _OverCap:
            refusal = body_too_large(scope["path"], settings.API_MAX_BODY_BYTES, None)
        await self.send_response(refusal, send)

    async def read_body(self, receive: Callable[[], Awaitable[dict]]) -> IO[bytes]:
        cap = settings.API_MAX_BODY_BYTES
        body_file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (Django's handler closes it)
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b")
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted  # as Django's handler does: nothing is answered
            size += len(message.get("body", b""))
            if size > cap:
                body_file.close()
                raise _OverCap
            body_file.write(message.get("body", b""))
            if not message.get("more_body", False):
                body_file.seek(0)
                return body_file
