"""Writing back a tick's mount changes in as few statements as a thousand mounts allow."""

from __future__ import annotations

import json

from django.db import connection

from scripts_lib.models import Mount

_CHUNK = 1000  # successful mounts per UPDATE ... FROM (VALUES ...)


def mounts_save(mounts: list[Mount]) -> None:
    """Successful calls (nearly all) change only memory and the last decision and reset the
    strike count: on PostgreSQL one UPDATE ... FROM (VALUES ...) per thousand, because
    bulk_update's CASE per row and field costs seconds for a thousand mounts. Failed mounts
    (and every mount on other databases) go through bulk_update."""
    ok = [m for m in mounts if m.consecutive_failures == 0]
    failed = [m for m in mounts if m.consecutive_failures]
    if connection.vendor == "postgresql":
        _successes_save(ok)
    else:
        failed = mounts
    Mount.objects.bulk_update(failed, ["memory", "last_decision", "last_decision_tick",
                                       "consecutive_failures", "active",
                                       "unmounted_at", "unmounted_tick", "unmounted_why",
                                       "failure_notified_day"], batch_size=200)


def _successes_save(ok: list[Mount]) -> None:
    table = Mount._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ok), _CHUNK):
            chunk = ok[start:start + _CHUNK]
            rows = ", ".join(["(%s, %s::jsonb, %s::jsonb, %s::bigint)"] * len(chunk))
            params = [x for m in chunk for x in (m.pk, json.dumps(m.memory),
                                                 json.dumps(m.last_decision),
                                                 m.last_decision_tick)]
            cursor.execute(f"UPDATE {table} AS m SET memory = v.memory, "
                           f"last_decision = v.decision, last_decision_tick = v.tick, "
                           f"consecutive_failures = 0 "
                           f"FROM (VALUES {rows}) AS v(id, memory, decision, tick) "
                           f"WHERE m.id = v.id", params)
