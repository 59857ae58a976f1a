"""Id blocks: how the ledger and trades are archived without a per-row secondary index.

A tick's rows of one archive get one contiguous run of ids, reserved in one piece. Each
engine batch (a posting batch, a market's trades) is then one `Block` row (its first id and
count, its kind or market), and each agent one `AgentTick` row per tick listing the ids of
the rows it is on, either side. The archive table keeps its primary key alone: ingestion
appends to one btree, lists compute ids from these small tables and fetch rows by key.

The per-row alternative (a btree per agent side and per kind) measured 65k rows/s at best
here, each index costing more than the row; see docs/architecture.md for the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Max, Model

from history.models import (
    AgentTick,
    Block,
    LedgerAgentTick,
    LedgerBatch,
    LedgerEntry,
    Trade,
    TradeAgentTick,
    TradeBatch,
)
from history.pgcopy import Column, copy_binary, encode_rows

# AgentTick.row_ids: ascending ids, big-endian int64 (PostgreSQL's own int8send order, so
# SQL can build them too: migration 0004's backfill).
ID_DTYPE = np.dtype(">i8")

Batch = tuple[list[str], list[Column], int]  # (column names, columns, rows)


@dataclass(frozen=True)
class BlockArchive:
    """One archive kept in id blocks: its rows, its batches, its per-agent index."""

    rows: type[Model]
    batches: type[Block]
    agent_ticks: type[AgentTick]
    sides: tuple[str, str]  # the two agent sides of a row: <side>_type, <side>_id
    batch_fields: tuple[str, ...]  # constant per batch, copied onto the Block row


LEDGER = BlockArchive(LedgerEntry, LedgerBatch, LedgerAgentTick, ("debit", "credit"),
                      ("phase", "kind"))
TRADES = BlockArchive(Trade, TradeBatch, TradeAgentTick, ("buyer", "seller"), ("market",))


def ids_pack(ids: np.ndarray) -> bytes:
    return np.asarray(ids, dtype=ID_DTYPE).tobytes()


def ids_unpack(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(data, dtype=ID_DTYPE).astype(np.int64)


def ids_reserve(model: type[Model], n: int) -> int:
    """The first of `n` consecutive ids of `model`'s table, never handed out again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT history_reserve_ids(pg_get_serial_sequence(%s, 'id'), %s)",
                           [model._meta.db_table, n])
            return int(cursor.fetchone()[0])
    # SQLite (embedded mode): one writer at a time, inside the caller's transaction.
    return (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


def _value(column: Column, n: int) -> np.ndarray:
    if isinstance(column.value, np.ndarray):
        return column.value.astype(np.int64, copy=False)
    return np.full(n, column.value, dtype=np.int64)


@dataclass(frozen=True)
class AgentIndex:
    """One tick's per-agent index: agent k owns row_ids[starts[k]:starts[k + 1]]."""

    agent_types: np.ndarray
    agent_ids: np.ndarray
    starts: np.ndarray  # len(agents) + 1 offsets into row_ids
    row_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.agent_ids)

    def ids_of(self, k: int) -> np.ndarray:
        return self.row_ids[self.starts[k]:self.starts[k + 1]]


def agent_index(archive: BlockArchive, batches: list[Batch], ids: list[np.ndarray]) -> AgentIndex:
    """Group the rows' ids by the agents on either side (an agent on both sides of a row
    lists it once)."""
    keys, row_ids = [], []
    for (names, cols, n), batch_ids in zip(batches, ids, strict=True):
        by_name = dict(zip(names, cols, strict=True))
        for side in archive.sides:
            types = _value(by_name[f"{side}_type"], n)
            keys.append((types << 32) | _value(by_name[f"{side}_id"], n))
            row_ids.append(batch_ids)
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return AgentIndex(empty, empty, np.zeros(1, dtype=np.int64), empty)
    key, rid = np.concatenate(keys), np.concatenate(row_ids)
    order = np.lexsort((rid, key))
    key, rid = key[order], rid[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = (key[1:] != key[:-1]) | (rid[1:] != rid[:-1])
    key, rid = key[keep], rid[keep]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    agents = key[first]
    return AgentIndex(agent_types=agents >> 32, agent_ids=agents & 0xFFFFFFFF,
                      starts=np.r_[first, len(key)], row_ids=rid)


def blocks_write(archive: BlockArchive, simulation_id: int, tick: int,
                 batches: list[Batch]) -> int:
    """Archive one tick's batches of `archive`: rows, Block rows, AgentTick rows. Returns
    the number of rows. The caller holds the tick's transaction."""
    batches = [b for b in batches if b[2] > 0]
    total = sum(n for _, _, n in batches)
    if total == 0:
        return 0
    first = ids_reserve(archive.rows, total)
    ids, blocks, at = [], [], first
    for names, cols, n in batches:
        ids.append(np.arange(at, at + n, dtype=np.int64))
        by_name = dict(zip(names, cols, strict=True))
        blocks.append(archive.batches(
            simulation_id=simulation_id, tick=tick, first_id=at, count=n,
            **{f: by_name[f].value for f in archive.batch_fields}))
        at += n
    index = agent_index(archive, batches, ids)
    if connection.vendor == "postgresql":
        _copy_rows(archive, batches, ids)
        _copy_agent_ticks(archive, simulation_id, tick, index)
    else:
        _bulk_rows(archive, batches, ids)
        archive.agent_ticks.objects.bulk_create([
            archive.agent_ticks(simulation_id=simulation_id, tick=tick,
                                agent_type=int(index.agent_types[k]),
                                agent_id=int(index.agent_ids[k]),
                                row_ids=ids_pack(index.ids_of(k)))
            for k in range(len(index))], batch_size=2000)
    archive.batches.objects.bulk_create(blocks)
    return total


def db_columns(model: type[Model], names: list[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def _copy_rows(archive: BlockArchive, batches: list[Batch], ids: list[np.ndarray]) -> None:
    names = ["id", *batches[0][0]]
    encoded = [encode_rows([Column("int8", batch_ids), *cols], n)
               for (_, cols, n), batch_ids in zip(batches, ids, strict=True)]
    with connection.cursor() as cursor:
        copy_binary(cursor.cursor, archive.rows._meta.db_table,
                    db_columns(archive.rows, names), encoded)


def _bulk_rows(archive: BlockArchive, batches: list[Batch], ids: list[np.ndarray]) -> None:
    """The embedded-mode fallback: the same columnar batches as model instances."""
    objs = []
    for (names, cols, n), batch_ids in zip(batches, ids, strict=True):
        values = [batch_ids.tolist()] + [
            c.value.tolist() if isinstance(c.value, np.ndarray) else [c.value] * n for c in cols
        ]
        objs += [archive.rows(**dict(zip(["id", *names], row, strict=True)))
                 for row in zip(*values, strict=True)]
    archive.rows.objects.bulk_create(objs, batch_size=2000)


def _copy_agent_ticks(archive: BlockArchive, simulation_id: int, tick: int,
                      index: AgentIndex) -> None:
    n = len(index)
    columns = [Column("int8", simulation_id), Column("int8", tick),
               Column("int2", index.agent_types), Column("int4", index.agent_ids)]
    tail = index.row_ids.astype(ID_DTYPE).view(np.uint8)
    block = encode_rows(columns, n, tail=tail,
                        tail_sizes=np.diff(index.starts) * ID_DTYPE.itemsize)
    names = ["simulation_id", "tick", "agent_type", "agent_id", "row_ids"]
    with connection.cursor() as cursor:
        copy_binary(cursor.cursor, archive.agent_ticks._meta.db_table,
                    db_columns(archive.agent_ticks, names), [block])


def blocks_forget_after(archive: BlockArchive, simulation_id: int, tick: int) -> None:
    """Delete the ticks after `tick` (an operator's reset): the rows by primary-key range
    (ids grow with ticks within a simulation), the index rows by their BRIN / btree."""
    later = archive.batches.objects.filter(simulation_id=simulation_id, tick__gt=tick)
    first = later.order_by("tick", "first_id").values_list("first_id", flat=True).first()
    if first is not None:
        archive.rows.objects.filter(simulation_id=simulation_id, id__gte=first,
                                    tick__gt=tick).delete()
    later.delete()
    archive.agent_ticks.objects.filter(simulation_id=simulation_id, tick__gt=tick).delete()
