"""Length-prefixed frames between the host, a zygote and its children. Stdlib only.

Imported by the host as `scripts_lib.sandbox.protocol` and inside bubblewrap as `protocol`, so it
must not import anything from its package.

A frame is one kind byte, a 4-byte big-endian length and the payload.
Host -> zygote (a Unix socket on its stdin): C config (once); per batch, B batch header
(numbers only) carrying, as SCM_RIGHTS, the write end of a pipe made for this batch alone,
then P payload (read by the child).
Child -> zygote (a pipe made per batch): R ready, S call started (4-byte index), D call done
(JSON), E batch end.
Zygote -> host: Y ready (probe JSON, on stdout, once). Per batch, on that batch's own pipe:
D forwarded (RESULT: index and the CPU the kernel measured, then the child's JSON), F failure
(RESULT, then the zygote's JSON), E batch end (INDEX: calls answered), X fatal error.
A batch's bytes travel only on its own pipe, which the host closes after the batch: nothing a
child writes can ever be read as part of a later batch.
"""

from __future__ import annotations

import os
import struct

HEADER = struct.Struct(">cI")
INDEX = struct.Struct(">I")
RESULT = struct.Struct(">IQ")  # call index, CPU nanoseconds measured by the zygote
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
