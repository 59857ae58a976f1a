"""The guard of every write of the tick's script path: it belongs to the tick's transaction."""

from __future__ import annotations

from django.db import connection


def require_transaction() -> None:
    """Refuse to write outside a transaction: the tick's commit (or rollback) must take these
    writes with it, so nothing here may commit on its own."""
    if not connection.in_atomic_block:
        raise RuntimeError("scripts_lib.tick writes must run inside the tick's transaction")
