"""A backtest's per-tick rows as one CSV table: one line per arm and tick, nested figures
flattened to dotted columns (balance_sheet.deposits, aggregates.gdp, script.outcome ...)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

FIRST = ["arm", "arm_kind", "arm_label", "tick", "day", "state_hash", "archived_hash",
         "hash_match", "income", "spending", "consumption", "sales", "score"]
NESTED = ("balance_sheet", "script", "aggregates")


def _flat(row: dict) -> dict[str, object]:
    out: dict[str, object] = {key: row.get(key) for key in FIRST[3:]}
    for group in NESTED:
        for key, value in (row.get(group) or {}).items():
            out[f"{group}.{key}"] = (json.dumps(value, sort_keys=True)
                                     if isinstance(value, dict | list) else value)
    for side in ("in", "out"):
        for kind, cents in (row.get("flows") or {}).get(side, {}).items():
            out[f"flows.{side}.{kind}"] = cents
    return out


def series_csv(rows: Iterable[tuple[int, str, str, dict]]) -> str:
    """rows: (arm index, arm kind, arm label, per-tick row)."""
    lines = []
    columns: dict[str, None] = dict.fromkeys(FIRST)
    for index, kind, label, row in rows:
        flat = {"arm": index, "arm_kind": kind, "arm_label": label, **_flat(row)}
        columns.update(dict.fromkeys(flat))
        lines.append(flat)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for flat in lines:
        writer.writerow({key: "" if value is None else value for key, value in flat.items()})
    return buffer.getvalue()
