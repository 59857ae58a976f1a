"""Integer money arithmetic against an exact reference written with Python ints: pro-rata
splits (largest remainder, on both sides of the int64 overflow guard), payer/receiver
matching, ppm rates, floors and ceilings."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.engine.money import (
    PPM,
    annual_to_tick_ppm,
    apply_ppm,
    ceil_ppm,
    interval_pairs,
    isum,
    largest_remainder,
    to_ppm,
)


def reference_split(total: int, weights: list[int]) -> list[int]:
    """Floor of each exact share, then one more unit to the largest remainders (lowest id
    first among equal remainders), in Python ints."""
    if total <= 0 or sum(weights) <= 0:
        return [0] * len(weights)
    wsum = sum(weights)
    base = [w * total // wsum for w in weights]
    rem = [w * total % wsum for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-rem[i], i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def check_split(total: int, weights: list[int]) -> None:
    got = largest_remainder(total, np.array(weights, dtype=np.int64))
    assert got.dtype == np.int64
    assert got.tolist() == reference_split(total, weights)
    if total > 0 and sum(weights) > 0:
        assert isum(got) == total


@pytest.mark.parametrize("seed", range(40))
def test_small_splits_match_the_exact_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    weights = rng.integers(0, 6, n).tolist()  # many ties and zeros
    check_split(int(rng.integers(0, 40)), weights)


@pytest.mark.parametrize("seed", range(20))
def test_large_splits_match_the_exact_reference(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 30))
    weights = rng.integers(0, 10**int(rng.integers(3, 18)), n).tolist()
    check_split(int(rng.integers(1, 10**int(rng.integers(2, 18)))), weights)


@pytest.mark.parametrize(("total", "weights"), [
    # Around the guard: products and sums just below and just above 2**62 and 2**63.
    (2**31, [2**31 - 1, 1, 5]),
    (2**31, [2**31 + 1, 3, 2**31]),
    (2**32, [2**31, 2**31 - 1, 7]),
    (3, [2**62 - 1, 2**62 - 1]),
    (7, [2**62, 2**62, 2**62]),
    (10**18, [3, 2**40, 5]),
    (2**62, [1, 2, 3]),
    (2**63 - 1, [2**62, 2**62 - 1, 1]),
    (9, [2**61, 2**61, 2**61, 2**61, 1]),
    (10**15 + 7, [3, 10**12, 5]),
    (10**6 + 1, [2**61, 2**61, 3]),
    (5 * 10**17, [2**60, 3 * 2**59, 2**58 + 1, 12_345]),
])
def test_splits_that_overflow_int64_are_still_exact(total: int, weights: list[int]) -> None:
    check_split(total, weights)


def test_split_of_nothing_or_over_no_weight_is_all_zeros() -> None:
    assert largest_remainder(0, np.array([1, 2])).tolist() == [0, 0]
    assert largest_remainder(-5, np.array([1, 2])).tolist() == [0, 0]
    assert largest_remainder(5, np.array([0, 0, 0])).tolist() == [0, 0, 0]
    assert largest_remainder(5, np.array([], dtype=np.int64)).tolist() == []
    assert largest_remainder(1, np.array([0, 3])).tolist() == [0, 1]


def test_leftover_units_go_to_the_largest_remainders_then_the_lowest_ids() -> None:
    assert largest_remainder(10, np.array([1, 1, 1])).tolist() == [4, 3, 3]
    assert largest_remainder(2, np.array([1, 1, 1])).tolist() == [1, 1, 0]
    assert largest_remainder(3, np.array([1, 1, 1, 1])).tolist() == [1, 1, 1, 0]
    assert largest_remainder(1, np.array([1, 3])).tolist() == [0, 1]  # 0.25 vs 0.75
    assert largest_remainder(5, np.array([2, 5, 3])).tolist() == [1, 3, 1]  # 1, 2.5, 1.5
    assert largest_remainder(3, np.array([1, 1])).tolist() == [2, 1]
    assert largest_remainder(7, np.array([7])).tolist() == [7]


def test_matching_pays_and_receives_each_amount_in_id_order() -> None:
    payer, payee, amount = interval_pairs(np.array([5, 0, 3]), np.array([2, 2, 0, 4]))
    assert list(zip(payer.tolist(), payee.tolist(), amount.tolist(), strict=True)) == [
        (0, 0, 2), (0, 1, 2), (0, 3, 1), (2, 3, 3)]
    payer, payee, amount = interval_pairs(np.array([4, 4]), np.array([4, 4]))
    assert (payer.tolist(), payee.tolist(), amount.tolist()) == ([0, 1], [0, 1], [4, 4])


@pytest.mark.parametrize("seed", range(15))
def test_matching_random_sides_moves_each_total_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pay = rng.integers(0, 50, int(rng.integers(1, 15)))
    pay[rng.random(len(pay)) < 0.3] = 0
    receive = largest_remainder(int(pay.sum()), rng.integers(0, 9, int(rng.integers(1, 15))))
    payer, payee, amount = interval_pairs(pay, receive)
    if pay.sum() == 0 or receive.sum() == 0:
        assert len(amount) == 0
        return
    assert (amount > 0).all()
    assert len(amount) <= np.count_nonzero(pay) + np.count_nonzero(receive) - 1
    assert np.bincount(payer, weights=amount, minlength=len(pay)).tolist() == pay.tolist()
    assert np.bincount(payee, weights=amount, minlength=len(receive)).tolist() \
        == receive.tolist()
    assert (np.diff(payer) >= 0).all() and (np.diff(payee) >= 0).all()


def test_matching_refuses_sides_of_different_totals_and_handles_nothing() -> None:
    with pytest.raises(ValueError, match="same total"):
        interval_pairs(np.array([3]), np.array([2]))
    payer, payee, amount = interval_pairs(np.array([0, 0]), np.array([0]))
    assert payer.tolist() == payee.tolist() == amount.tolist() == []
    assert amount.dtype == np.int64


def test_rates_are_ppm_integers_rounded_half_to_even() -> None:
    assert PPM == 1_000_000
    assert to_ppm(0.0000025) == 2 and to_ppm(0.0000035) == 4
    assert to_ppm(0.018) == 18_000 and to_ppm(1) == 1_000_000 and to_ppm(-0.5) == -500_000
    assert isinstance(to_ppm(0.25), int)


@pytest.mark.parametrize(("annual", "ticks"), [(0.1, 4), (0.05, 12), (0.02, 1), (0.3, 365),
                                               (0.0, 4)])
def test_annual_rates_compound_to_the_per_tick_rate(annual: float, ticks: int) -> None:
    per_tick = annual_to_tick_ppm(annual, ticks)
    assert per_tick == round(((1 + annual) ** (1 / ticks) - 1) * 1e6)
    assert (1 + per_tick / 1e6) ** ticks - 1 == pytest.approx(annual, abs=ticks * 2e-6)


def test_interest_is_floored_and_regulatory_floors_are_rounded_up() -> None:
    assert apply_ppm(999, 1_000) == 0 and apply_ppm(1_000, 1_000) == 1
    assert apply_ppm(1_999_999, 500_000) == 999_999
    assert apply_ppm(10**15, 1_234) == 1_234 * 10**9
    assert apply_ppm(np.array([1_000_000, 999, 3_000_001]), 1_234).tolist() == [1_234, 1,
                                                                                3_702]
    assert apply_ppm(1_000, np.array([1_000, 2_500])).tolist() == [1, 2]
    assert apply_ppm(-1_000, 1_500) == -2  # floored, not truncated
    assert ceil_ppm(999, 1_000) == 1 and ceil_ppm(1_000, 1_000) == 1
    assert ceil_ppm(1_001, 1_000) == 2 and ceil_ppm(0, 1_000) == 0
    assert ceil_ppm(np.array([999, 1_000, 1_001, 0]), 1_000).tolist() == [1, 1, 2, 0]
    assert ceil_ppm(np.array([2**40]), 258_000).tolist() == [-(-(2**40) * 258_000 // PPM)]
    assert isinstance(ceil_ppm(5, 3), int)


def test_isum_is_the_exact_integer_sum() -> None:
    assert isum(np.array([1, 2, 3])) == 6 and isinstance(isum(np.array([1])), int)
    assert isum(np.array([2**40, -(2**39)])) == 2**39
    assert isum(np.array([], dtype=np.int64)) == 0
