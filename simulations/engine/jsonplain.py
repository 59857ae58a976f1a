"""Engine output made JSON-ready: numpy scalars and arrays become Python values. Here, in the
pure engine, because every layer that stores or shows engine output needs it."""

from __future__ import annotations

from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """JSON-ready copy of engine output: numpy scalars and arrays become Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
