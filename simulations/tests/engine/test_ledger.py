"""The ledger: closed transaction kinds with fixed instrument pairs, integer money helpers."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.engine import World
from simulations.engine.ledger import Acct, PostingError, TransactionKind
from simulations.engine.money import (
    annual_to_tick_ppm,
    apply_ppm,
    interval_pairs,
    largest_remainder,
    to_ppm,
)
from simulations.tests.engine.worlds import small


def test_posting_with_another_instrument_pair_raises() -> None:
    world = World.create("baseline", small(), seed=1)
    with pytest.raises(PostingError, match="CONSUMPTION"):
        world.ctx.post(TransactionKind.CONSUMPTION, Acct.TA, Acct.DEP_F, 0, 1, 100)


def test_negative_amount_raises_and_zero_amounts_are_dropped() -> None:
    world = World.create("baseline", small(), seed=1)
    ctx = world.ctx
    with pytest.raises(PostingError, match="negative"):
        ctx.post(TransactionKind.CONSUMPTION, Acct.DEP_H, Acct.DEP_F, 0, 1, -5)
    ctx.post(TransactionKind.CONSUMPTION, Acct.DEP_H, Acct.DEP_F, [0, 1], [1, 1], [0, 7])
    assert ctx.ledger.batches[-1].amount.tolist() == [7]


def test_every_kind_has_a_distinct_name_and_its_own_pair() -> None:
    names = [k.name for k in TransactionKind]
    assert len(names) == len(set(names)) == len(TransactionKind.__members__)
    assert TransactionKind.TAX_H.value.src is Acct.DEP_H
    assert TransactionKind.CONSUMPTION.money_effect == 0
    assert TransactionKind.LOAN_DRAW.money_effect == 1
    assert TransactionKind.LOAN_PRINCIPAL.money_effect == -1


def test_cross_bank_payment_moves_reserves_with_the_deposit() -> None:
    world = World.create("baseline", small(), seed=1)
    s = world.ctx.s
    payer = int(np.flatnonzero(s.h.bank == 0)[0])
    firm = int(np.flatnonzero(s.f.bank == 1)[0])
    res0, res1 = int(s.b.res[0]), int(s.b.res[1])
    world.ctx.post(TransactionKind.CONSUMPTION, Acct.DEP_H, Acct.DEP_F, payer, firm, 1234)
    assert int(s.b.res[0]) == res0 - 1234 and int(s.b.res[1]) == res1 + 1234


def test_largest_remainder_splits_exactly_with_ties_to_lowest_id() -> None:
    parts = largest_remainder(10, np.array([1, 1, 1]))
    assert parts.tolist() == [4, 3, 3]
    big = largest_remainder(10**15 + 7, np.array([3, 10**12, 5]))
    assert int(big.sum()) == 10**15 + 7


def test_interval_pairs_pays_each_side_exactly() -> None:
    payer, payee, amount = interval_pairs(np.array([5, 0, 3]), np.array([2, 2, 0, 4]))
    assert np.bincount(payer, weights=amount, minlength=3).tolist() == [5, 0, 3]
    assert np.bincount(payee, weights=amount, minlength=4).tolist() == [2, 2, 0, 4]


def test_rates_are_ppm_integers_with_floor_interest() -> None:
    assert to_ppm(0.0000025) == 2  # round half to even
    assert to_ppm(0.0000035) == 4
    assert apply_ppm(999, 1_000) == 0
    assert apply_ppm(np.array([1_000_000]), 1_234).tolist() == [1_234]
    assert annual_to_tick_ppm(0.1, 4) == round(((1.1) ** 0.25 - 1) * 1e6)


def test_largest_remainder_is_exact_for_weights_beyond_int64_sums() -> None:
    from simulations.engine.money import largest_remainder

    huge = np.array([2**61, 2**61, 3], dtype=np.int64)  # their sum overflows int64
    parts = largest_remainder(10**6 + 1, huge)
    assert int(parts.sum()) == 10**6 + 1
    assert parts.tolist() == [500_001, 500_000, 0]  # the tie goes to the lower id
