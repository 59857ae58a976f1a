"""PostgreSQL binary COPY, encoded with numpy: one structured array per columnar batch.

The engine hands over postings and trades as int64 columns. Encoding them row by row in
Python (psycopg's `write_row`) runs at a few hundred thousand rows per second; laying the
COPY binary format out as a numpy record (field count, then length + big-endian value per
column) encodes millions of rows per second, so the database is the only cost left.

Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)

# PostgreSQL type -> big-endian numpy type of its binary send format.
_WIDTH = {"int2": ">i2", "int4": ">i4", "int8": ">i8"}


@dataclass(frozen=True)
class Column:
    """One column of a batch: an array (one value per row), a constant, or NULL (None).

    `pg_type` is int2/int4/int8 or text; a text column must be a constant (str).
    """

    pg_type: str
    value: np.ndarray | int | str | None


def encode_rows(columns: Sequence[Column], n: int, tail: np.ndarray | None = None,
                tail_sizes: np.ndarray | None = None) -> bytes:
    """The COPY binary rows (no header or trailer) of `n` rows of `columns`, and optionally
    one last variable-length bytea column: row r's value is the next `tail_sizes[r]` bytes
    of `tail` (uint8)."""
    if n == 0:
        return b""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, col in enumerate(columns):
        fields.append((f"len{i}", ">i4"))
        if col.value is None:
            continue
        if col.pg_type == "text":
            if not isinstance(col.value, str):
                raise TypeError("text columns must be constants")
            fields.append((f"val{i}", f"S{len(col.value.encode())}"))
        else:
            fields.append((f"val{i}", _WIDTH[col.pg_type]))
    if tail is not None:
        fields.append(("len_tail", ">i4"))
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(columns) + (tail is not None)
    for i, col in enumerate(columns):
        if col.value is None:
            rows[f"len{i}"] = -1
            continue
        if col.pg_type == "text":
            data = col.value.encode()
            rows[f"len{i}"] = len(data)
            rows[f"val{i}"] = data
            continue
        rows[f"len{i}"] = np.dtype(_WIDTH[col.pg_type]).itemsize
        value = col.value
        if isinstance(value, np.ndarray):
            if value.shape != (n,):
                raise ValueError(f"column {i}: {value.shape[0]} values for {n} rows")
            info = np.iinfo(_WIDTH[col.pg_type])
            if value.size and (value.min() < info.min or value.max() > info.max):
                raise OverflowError(f"column {i}: values outside {col.pg_type}")
        rows[f"val{i}"] = value
    if tail is None:
        return rows.tobytes()
    return _interleave(rows, tail, tail_sizes)


def _interleave(rows: np.ndarray, tail: np.ndarray, sizes: np.ndarray) -> bytes:
    """Each fixed-size row followed by its slice of `tail`, without a Python loop: the rows
    land at their offsets and the tail fills every other byte, in order."""
    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.shape != rows.shape or int(sizes.sum()) != tail.size:
        raise ValueError("tail_sizes must give one size per row and add up to the tail")
    rows["len_tail"] = sizes
    width = rows.dtype.itemsize
    starts = np.arange(len(rows), dtype=np.int64) * width + np.r_[0, np.cumsum(sizes)[:-1]]
    out = np.empty(len(rows) * width + tail.size, dtype=np.uint8)
    fixed = (starts[:, None] + np.arange(width)).ravel()
    out[fixed] = rows.view(np.uint8)
    is_tail = np.ones(out.size, dtype=bool)
    is_tail[fixed] = False
    out[is_tail] = tail
    return out.tobytes()


def copy_binary(cursor: object, table: str, names: Sequence[str], blocks: Sequence[bytes],
                chunk_bytes: int = 8 << 20) -> None:
    """COPY the encoded `blocks` into `table` (columns `names`) through a psycopg 3 cursor."""
    sql = f'COPY "{table}" ({", ".join(names)}) FROM STDIN (FORMAT BINARY)'
    with cursor.copy(sql) as copy:
        copy.write(HEADER)
        for block in blocks:
            # psycopg sends what it is given as one message: bound memory on very large ticks.
            view = memoryview(block)
            for start in range(0, len(view), chunk_bytes):
                copy.write(view[start:start + chunk_bytes])
        copy.write(TRAILER)
