"""Engine tests run with numpy's floating-point errors raised, not warned: the engine must
never divide by zero, overflow a float or make a NaN (each would end up in money or prices)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _numpy_errors_raise() -> Iterator[None]:
    with np.errstate(all="raise"):
        yield
