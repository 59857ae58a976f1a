"""Length-prefixed frames between the host, a zygote and its children. Stdlib only.

Imported by the host as `scripts_lib.sandbox.protocol` and inside bubblewrap as `protocol`, so it
must not import anything from its package.

A frame is one kind byte, a 4-byte big-endian length and the payload.
Host -> zygote: C config (once), B batch header (numbers only), P payload (read by the child).
Child -> zygote: R ready, S call started (4-byte index), D call done (JSON), E batch end.
Zygote -> host: Y ready (probe JSON), X fatal error, D forwarded, F failure (JSON), E batch end.
"""

from __future__ import annotations

import os
import struct

HEADER = struct.Struct(">cI")
INDEX = struct.Struct(">I")
MAX_RESULT_FRAME = 512 * 1024  # one call's decision + memory + log + traceback, JSON
MAX_BATCH_FRAME = 256 * 1024 * 1024


class ProtocolError(Exception):
    """The other side closed the stream or sent a malformed frame."""


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_frame(fd: int, kind: bytes, payload: bytes = b"") -> None:
    write_all(fd, frame(kind, payload))


def read_exact(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ProtocolError("stream closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_header(fd: int, limit: int = MAX_BATCH_FRAME) -> tuple[bytes, int]:
    kind, length = HEADER.unpack(read_exact(fd, HEADER.size))
    if length > limit:
        raise ProtocolError(f"frame of {length} bytes over the {limit} limit")
    return kind, length


def read_frame(fd: int, limit: int = MAX_BATCH_FRAME) -> tuple[bytes, bytes]:
    kind, length = read_header(fd, limit)
    return kind, read_exact(fd, length)
