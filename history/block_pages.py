"""Pages of an id-block archive (ledger, trades): ids computed from the small tables, rows
fetched by primary key.

Order is (tick, id), as for every list. Without an agent restriction the page's ids come
from the Block rows (ticks, kind or market filters), in order, counting ids rather than
reading rows: an offset costs the Block rows it skips, not the rows. With agents, each
agent's AgentTick rows are read in tick order, merged up to the tick every agent has
reached (a k-way merge by tick), then narrowed to the filtered Block ranges.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db.models import Model, Q, QuerySet

from history.blocks import BUCKET_SIZE, entries_unpack

AgentKey = tuple[int, int]  # (agent type code, engine id)
Position = tuple[int, int]
BATCH_CHUNK = 500  # Block rows read per query
AGENT_CHUNK = 8  # AgentTick rows (ticks) first read per agent, doubling on each further read


@dataclass(frozen=True)
class BlockQuery:
    """What to list from an id-block archive."""

    model: type[Model]  # the archive's rows (LedgerEntry, Trade)
    simulation_id: int
    batches: QuerySet  # Block rows of the simulation passing the tick and kind filters
    agent_ticks: QuerySet  # AgentTick rows of the simulation passing the tick filters
    agents: list[AgentKey] | None  # None: every row; []: nothing visible
    narrowed: bool = False  # the batches carry a filter beyond ticks (kind, market, account)
    order: tuple[str, str] = ("tick", "id")

    def positions(self, after: Position | None, skip: int, count: int) -> list[Position]:
        """(tick, id) of the first `count` rows after `after`, once `skip` are passed."""
        if count <= 0 or self.agents == []:
            return []
        source = self._all_rows if self.agents is None else self._agent_rows
        found: list[Position] = []
        for tick, ids in source(after):
            if skip >= len(ids):
                skip -= len(ids)
                continue
            ids = ids[skip:skip + count - len(found)]
            skip = 0
            found += [(tick, int(i)) for i in ids]
            if len(found) >= count:
                break
        return found

    def rows(self, positions: list[Position]) -> list[Model]:
        ids = [row_id for _, row_id in positions]
        if not ids:
            return []
        return list(self.model.objects.filter(simulation_id=self.simulation_id, id__in=ids)
                    .order_by(*self.order))

    def _batches_after(self, after: Position | None) -> Iterator[tuple[int, int, int]]:
        """(tick, first_id, count) of the filtered batches holding rows after `after`."""
        batches = self.batches.order_by("tick", "first_id")
        if after is not None:
            batches = batches.filter(tick__gte=after[0])
        last = None
        while True:
            chunk = batches
            if last is not None:
                chunk = chunk.filter(Q(tick__gt=last[0]) | Q(tick=last[0],
                                                              first_id__gt=last[1]))
            rows = list(chunk.values_list("tick", "first_id", "count")[:BATCH_CHUNK])
            yield from rows
            if len(rows) < BATCH_CHUNK:
                return
            last = rows[-1][:2]

    def _all_rows(self, after: Position | None) -> Iterator[tuple[int, np.ndarray]]:
        for tick, first, count in self._batches_after(after):
            start = first
            if after is not None and tick == after[0]:
                start = max(first, after[1] + 1)
            if start < first + count:
                yield tick, np.arange(start, first + count, dtype=np.int64)

    def _agent_rows(self, after: Position | None) -> Iterator[tuple[int, np.ndarray]]:
        """The agents' rows tick by tick, merged: a tick is complete once every agent whose
        read stopped early has been read past it."""
        tick_from = after[0] if after is not None else None
        chunk = AGENT_CHUNK
        while True:
            per_tick: dict[int, list[np.ndarray]] = {}
            horizon = None  # the last tick every agent has been read through
            for agent_type, agent_id in self.agents:
                bucket, member = divmod(agent_id, BUCKET_SIZE)
                rows = self.agent_ticks.filter(agent_type=agent_type, bucket=bucket)
                if tick_from is not None:
                    rows = rows.filter(tick__gte=tick_from)
                got = list(rows.order_by("tick").values_list("tick", "entries")[:chunk])
                if len(got) == chunk:
                    horizon = got[-1][0] if horizon is None else min(horizon, got[-1][0])
                for tick, packed in got:
                    ids, members = entries_unpack(packed)
                    per_tick.setdefault(tick, []).append(ids[members == member])
            ticks = sorted(t for t in per_tick if horizon is None or t <= horizon)
            ranges = self._ranges(ticks[0], ticks[-1]) if ticks and self.narrowed else None
            for tick in ticks:
                ids = np.unique(np.concatenate(per_tick[tick]))
                if after is not None and tick == after[0]:
                    ids = ids[ids > after[1]]
                if ranges is not None:
                    ids = _within(ids, *ranges)
                if ids.size:  # an agent's bucket has rows at ticks the agent has none
                    yield tick, ids
            if horizon is None:
                return
            # The horizon tick was read whole by every agent (the reads stopped at or after
            # it): continue after it, skipping nothing.
            tick_from, after = horizon + 1, None
            chunk *= 2

    def _ranges(self, tick_from: int, tick_to: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted first ids and counts of the filtered batches of these ticks."""
        rows = list(self.batches.filter(tick__gte=tick_from, tick__lte=tick_to)
                    .order_by("first_id").values_list("first_id", "count"))
        array = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return array[:, 0], array[:, 1]


def _within(ids: np.ndarray, firsts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ids falling in one of the ranges [first, first + count)."""
    at = np.searchsorted(firsts, ids, side="right") - 1
    ok = at >= 0
    ok[ok] = ids[ok] < firsts[at[ok]] + counts[at[ok]]
    return ids[ok]
