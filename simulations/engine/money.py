"""Integer money arithmetic: rates as ppm ints, interest by floor, exact pro-rata splits."""

from __future__ import annotations

import numpy as np

PPM = 1_000_000


def to_ppm(rate: float) -> int:
    """A float rate or share as integer parts per million, rounded half to even."""
    return round(float(rate) * PPM)


def annual_to_tick_ppm(annual: float, ticks_per_year: int) -> int:
    """An annual rate as the equivalent per-tick rate in ppm: (1+i)^(1/n) - 1."""
    return to_ppm((1.0 + float(annual)) ** (1.0 / ticks_per_year) - 1.0)


def apply_ppm(amount: np.ndarray | int, rate_ppm: np.ndarray | int) -> np.ndarray | int:
    """floor(amount * rate / 10^6) in integers; payer and payee post this same integer."""
    if isinstance(amount, np.ndarray) or isinstance(rate_ppm, np.ndarray):
        return (np.asarray(amount, dtype=np.int64) * np.asarray(rate_ppm, dtype=np.int64)) // PPM
    return (int(amount) * int(rate_ppm)) // PPM


def ceil_ppm(amount: np.ndarray | int, rate_ppm: int) -> np.ndarray | int:
    """ceil(amount * rate / 10^6) in integers (regulatory floors: never round a floor down)."""
    if isinstance(amount, np.ndarray):
        return -((-amount.astype(np.int64) * int(rate_ppm)) // PPM)
    return -((-int(amount) * int(rate_ppm)) // PPM)


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to `weights` that add up exactly.

    Leftover units go to the largest remainders, ties to the lowest index (ascending agent id).
    Uses Python ints for the products so large cent totals cannot overflow int64.
    """
    w = np.asarray(weights, dtype=np.int64)
    n = len(w)
    out = np.zeros(n, dtype=np.int64)
    total = int(total)
    if total <= 0 or n == 0:
        return out
    wmax = int(w.max())
    # An int64 sum is exact when it cannot overflow; the object-dtype sum (Python ints) is
    # ~50x slower and used only for huge weights.
    wsum = int(w.sum()) if wmax * n < 2**62 else int(w.sum(dtype=object))
    if wsum <= 0:
        return out
    if total * wmax < 2**62 and wsum < 2**62:
        prod = w * total
        base = prod // wsum
        rem = prod - base * wsum
    else:
        prod_o = w.astype(object) * total
        base = np.array([p // wsum for p in prod_o], dtype=np.int64)
        rem = np.array([p % wsum for p in prod_o], dtype=np.int64)
    out[:] = base
    left = total - int(base.sum())  # parts never exceed total, so this cannot overflow
    if left > 0:
        out[_top_indices(rem, left)] += 1
    return out


def _top_indices(rem: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, ties to the lowest index (a stable top-k)."""
    if k >= len(rem):
        return np.arange(len(rem))
    # Partition finds the k-th largest value; everything above it is in, ties fill by index.
    kth = np.partition(rem, len(rem) - k)[len(rem) - k]
    above = np.flatnonzero(rem > kth)
    ties = np.flatnonzero(rem == kth)[: k - len(above)]
    return np.concatenate([above, ties])


def isum(a: np.ndarray) -> int:
    """Exact Python-int sum of an integer array."""
    return int(np.asarray(a, dtype=np.int64).sum())


def interval_pairs(pay: np.ndarray, receive: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """Match payers to receivers when each side's totals are fixed and equal.

    Lays both sides on one line [0, total) in ascending id order and returns the overlaps as
    (payer index, receiver index, amount): at most len(pay)+len(receive) postings, instead of
    one per (payer, receiver) pair, and every agent pays/receives exactly its own amount.
    """
    pay = np.asarray(pay, dtype=np.int64)
    receive = np.asarray(receive, dtype=np.int64)
    if int(pay.sum()) != int(receive.sum()):
        raise ValueError("both sides of a split must have the same total")
    pi = np.flatnonzero(pay > 0)
    ri = np.flatnonzero(receive > 0)
    if len(pi) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pc = np.cumsum(pay[pi])
    rc = np.cumsum(receive[ri])
    both = np.sort(np.concatenate([pc, rc]), kind="stable")
    cuts = both[np.concatenate([both[1:] != both[:-1], [True]])]  # every boundary, once
    starts = np.concatenate([[0], cuts[:-1]])
    amount = cuts - starts
    p_at = np.searchsorted(pc, starts, side="right")
    r_at = np.searchsorted(rc, starts, side="right")
    return pi[p_at], ri[r_at], amount
