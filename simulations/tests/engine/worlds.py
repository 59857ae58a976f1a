"""Small worlds shared by the engine tests (plain pytest, no database)."""

from __future__ import annotations

from typing import Any

SMALL = {"n_households": 300, "n_firms": 12, "n_banks": 3}


def small(**extra: Any) -> dict[str, Any]:
    return {**SMALL, **extra}
