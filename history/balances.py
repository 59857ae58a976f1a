"""An agent's balance-sheet history: its per-tick rows (history.AgentTickBalance, the ticks it
had an owner) and, for every other day, its day-end snapshot (history.AgentSnapshot).

One row per tick: a tick with a per-tick row does not repeat its day-end snapshot. Paged like
the id-block lists (`positions` then `rows`), by the position (tick, source): 0 for a per-tick
row, 1 for a snapshot. Each page is two index range reads and two fetches by tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from history.models import AgentSnapshot, AgentTickBalance

Position = tuple[int, int]
TICK, DAY_END = 0, 1
SOURCES = {TICK: "tick", DAY_END: "day_end"}


@dataclass(frozen=True)
class BalanceRow:
    tick: int
    day: int
    source: str  # "tick" (kept every tick while claimed) or "day_end" (the day's snapshot)
    agent_type: int
    agent_id: int
    balance_sheet: dict[str, Any]


@dataclass(frozen=True)
class BalanceQuery:
    simulation_id: int
    agent: tuple[int, int]  # (type code, engine id)
    tick_from: int | None = None
    tick_to: int | None = None

    def _range(self, rows: QuerySet, after: Position | None) -> QuerySet:
        agent_type, agent_id = self.agent
        rows = rows.filter(simulation_id=self.simulation_id, agent_type=agent_type,
                           agent_id=agent_id)
        if self.tick_from is not None:
            rows = rows.filter(tick__gte=self.tick_from)
        if self.tick_to is not None:
            rows = rows.filter(tick__lte=self.tick_to)
        if after is not None:
            rows = rows.filter(tick__gt=after[0])
        return rows

    def _snapshots(self, after: Position | None) -> QuerySet:
        per_tick = AgentTickBalance.objects.filter(
            simulation_id=self.simulation_id, agent_type=self.agent[0],
            agent_id=self.agent[1], tick=OuterRef("tick"))
        return self._range(AgentSnapshot.objects, after).exclude(Exists(per_tick))

    def positions(self, after: Position | None, skip: int, count: int) -> list[Position]:
        if count <= 0:
            return []
        stop = skip + count
        ticks = self._range(AgentTickBalance.objects, after).order_by("tick").values_list(
            "tick", flat=True)[:stop]
        days = self._snapshots(after).order_by("tick").values_list("tick", flat=True)[:stop]
        merged = sorted([(t, TICK) for t in ticks] + [(t, DAY_END) for t in days])
        return merged[skip:stop]

    def rows(self, positions: list[Position]) -> list[BalanceRow]:
        wanted = {source: [t for t, s in positions if s == source] for source in SOURCES}
        found: dict[Position, BalanceRow] = {}
        for source, model in ((TICK, AgentTickBalance), (DAY_END, AgentSnapshot)):
            if not wanted[source]:
                continue
            for row in self._range(model.objects, None).filter(tick__in=wanted[source]).only(
                    "tick", "day", "agent_type", "agent_id", "balance_sheet"):
                found[(row.tick, source)] = BalanceRow(
                    tick=row.tick, day=row.day, source=SOURCES[source],
                    agent_type=row.agent_type, agent_id=row.agent_id,
                    balance_sheet=row.balance_sheet)
        return [found[p] for p in positions if p in found]
