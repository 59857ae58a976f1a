"""One advancer per simulation: a PostgreSQL session-level advisory lock.

Why a session lock and not `select_for_update`: a run spans many tick transactions, and the
lock must be held across all of them (between two commits another advancer must not load the
world). A session lock is released by PostgreSQL itself when the holder's connection ends, so a
killed worker never leaves a simulation locked. Each tick's conditional update of
`Simulation.tick` stays the last word: even without the lock, no tick can be committed twice.

In the embedded SQLite mode (one worker process, SQLite has one writer at a time) there is no
advisory lock; the conditional update alone keeps ticks exact there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

# The first key of the two-key advisory lock: "ESIM" as a 32-bit integer, so that other users
# of advisory locks on the same database cannot collide with a simulation id.
LOCK_NAMESPACE = 0x4553494D


class SimulationBusy(Exception):
    """Another run holds the simulation's lock."""

    def __init__(self, simulation_id: int) -> None:
        self.simulation_id = simulation_id
        super().__init__(f"simulation {simulation_id} is being advanced by another run")


def _sql(statement: str, simulation_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {statement}(%s, %s)", [LOCK_NAMESPACE, simulation_id])
        return bool(cursor.fetchone()[0])


@contextmanager
def simulation_lock(*, simulation_id: int) -> Iterator[None]:
    """Hold the simulation's lock or raise SimulationBusy at once (never waits)."""
    if connection.vendor != "postgresql":
        yield
        return
    if not _sql("pg_try_advisory_lock", simulation_id):
        raise SimulationBusy(simulation_id)
    try:
        yield
    finally:
        try:
            _sql("pg_advisory_unlock", simulation_id)
        except DatabaseError:
            # The connection died, and PostgreSQL released the lock with it; drop the dead
            # connection so that Django opens a new one.
            connection.close()


def simulation_locked(*, simulation_id: int) -> bool:
    """Whether some session holds the lock (for the console; a snapshot, not a guarantee)."""
    return simulation_id in simulations_locked(simulation_ids=[simulation_id])


def simulations_locked(*, simulation_ids: Iterable[int]) -> set[int]:
    """Which of these simulations some session holds the lock of, in one query (a snapshot).
    pg_locks lists the whole cluster: only this database's advisory locks count."""
    ids = sorted(set(simulation_ids))
    if connection.vendor != "postgresql" or not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT objid::bigint FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = ANY(%s::oid[]) AND objsubid = 2 AND granted",
            [LOCK_NAMESPACE, ids])
        return {row[0] for row in cursor.fetchall()}
