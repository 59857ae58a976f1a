"""Id blocks: how the ledger and trades are archived without a per-row secondary index.

A tick's rows of one archive get one contiguous run of ids, reserved in one piece. Each
engine batch (a posting batch, a market's trades) is then one `Block` row (its first id and
count, its kind or market), and each agent one `AgentTick` row per tick listing the ids of
the rows it is on, either side. The archive table keeps its primary key alone: ingestion
appends to one btree, lists compute ids from these small tables and fetch rows by key.

The per-row alternative (a btree per agent side and per kind) measured 65k rows/s at best
here, each index costing more than the row; see docs/architecture.md for the figures.

Ids come from `ids_reserve` only: on PostgreSQL an ORM insert into these tables (a bare
nextval) racing a reservation could take an id inside the block; nothing inserts so.
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

# AgentTick.entries: ids as big-endian int64 (PostgreSQL's int8send, so SQL can build them
# too: migration 0004's backfill), then one byte per id naming its agent within the bucket.
ID_DTYPE = np.dtype(">i8")
# Agents per AgentTick row. Ingesting a 20,000-household tick with one row per agent cost as
# much as COPYing the tick's 170,000 ledger and trade rows (a random btree insert each); 16
# per row cuts those inserts 16-fold while a row stays ~1 KB (under TOAST's 2 KB threshold)
# and a page of one agent's rows reads a few hundred KB at most.
BUCKET_SIZE = 16
ENTRY_BYTES = ID_DTYPE.itemsize + 1  # an id and its member byte

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


def entries_unpack(data: bytes | memoryview) -> tuple[np.ndarray, np.ndarray]:
    """(ids, members) of an AgentTick row: member m is the agent `bucket * 16 + m`."""
    n = len(data) // ENTRY_BYTES
    ids = np.frombuffer(data, dtype=ID_DTYPE, count=n).astype(np.int64)
    return ids, np.frombuffer(data, dtype=np.uint8, offset=n * ID_DTYPE.itemsize)


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
    """One tick's per-agent index, bucket by bucket: bucket k holds the elements
    starts[k]:starts[k + 1] of row_ids and members, sorted by member then id."""

    agent_types: np.ndarray
    buckets: np.ndarray
    starts: np.ndarray  # len(buckets) + 1 offsets
    row_ids: np.ndarray
    members: np.ndarray  # engine id % BUCKET_SIZE of each element

    def __len__(self) -> int:
        return len(self.buckets)

    def entries(self) -> np.ndarray:
        """Every bucket's AgentTick.entries back to back (uint8): ids then members."""
        n = len(self.row_ids)
        end = np.repeat(self.starts[1:], np.diff(self.starts))  # each element's bucket end
        # Bucket k's bytes start at 9 * starts[k]: its ids, then one member byte per id, so
        # element j's member byte sits at 8 * starts[k + 1] + j and the ids' bytes fill the
        # other places in order.
        member_at = 8 * end + np.arange(n)
        out = np.empty(n * ENTRY_BYTES, dtype=np.uint8)
        out[member_at] = self.members
        is_id = np.ones(out.size, dtype=bool)
        is_id[member_at] = False
        out[is_id] = self.row_ids.astype(ID_DTYPE).view(np.uint8)
        return out


def agent_index(archive: BlockArchive, batches: list[Batch], ids: list[np.ndarray]) -> AgentIndex:
    """Group the rows' ids by the agents on either side (an agent on both sides of a row
    lists it once), in buckets of BUCKET_SIZE agents."""
    keys, row_ids = [], []
    for (names, cols, n), batch_ids in zip(batches, ids, strict=True):
        by_name = dict(zip(names, cols, strict=True))
        for side in archive.sides:
            types, agent_ids = _value(by_name[f"{side}_type"], n), _value(by_name[f"{side}_id"], n)
            if n and (agent_ids.min() < 0 or agent_ids.max() >= 2**32 or types.min() < 0):
                raise ValueError(f"{side}_id: engine ids must be in [0, 2**32), types >= 0")
            keys.append((types << 32) | agent_ids)
            row_ids.append(batch_ids)
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    rid = np.concatenate(row_ids) if keys else key
    order = np.lexsort((rid, key))
    key, rid = key[order], rid[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = (key[1:] != key[:-1]) | (rid[1:] != rid[:-1])
    key, rid = key[keep], rid[keep]
    bucket_key = key // BUCKET_SIZE  # engine ids are < 2**32: the type bits stay apart
    first = np.flatnonzero(np.r_[True, bucket_key[1:] != bucket_key[:-1]]) if len(key) else (
        np.zeros(0, dtype=np.int64))
    return AgentIndex(agent_types=bucket_key[first] >> 28,
                      buckets=bucket_key[first] & (2**28 - 1),
                      starts=np.r_[first, len(key)].astype(np.int64), row_ids=rid,
                      members=(key % BUCKET_SIZE).astype(np.uint8))


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
        packed = index.entries().tobytes()
        archive.agent_ticks.objects.bulk_create([
            archive.agent_ticks(simulation_id=simulation_id, tick=tick,
                                agent_type=int(index.agent_types[k]),
                                bucket=int(index.buckets[k]),
                                entries=packed[ENTRY_BYTES * index.starts[k]:
                                               ENTRY_BYTES * index.starts[k + 1]])
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
    columns = [Column("int8", simulation_id), Column("int8", tick),
               Column("int2", index.agent_types), Column("int4", index.buckets)]
    block = encode_rows(columns, len(index), tail=index.entries(),
                        tail_sizes=np.diff(index.starts) * ENTRY_BYTES)
    names = ["simulation_id", "tick", "agent_type", "bucket", "entries"]
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
