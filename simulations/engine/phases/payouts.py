"""Pro-rata payments to the household sector (dividends, recapitalisations run the other way)."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..ledger import Acct, TransactionKind
from ..money import interval_pairs, largest_remainder


def household_weights(w: Context) -> np.ndarray:
    """Deposits of t-1; equal weights when nobody held any."""
    dep = np.maximum(w.s.h.dep_prev, 0)
    return dep if dep.sum() > 0 else np.ones(len(dep), dtype=np.int64)


def pay_households_pro_rata(w: Context, kind: TransactionKind, payer_acct: Acct,
                            amounts: np.ndarray) -> None:
    """Each payer pays its amount; households receive shares of the total by largest remainder."""
    total = int(amounts.sum())
    if total <= 0:
        return
    shares = largest_remainder(total, household_weights(w))
    payer, hh, amt = interval_pairs(amounts, shares)
    w.post(kind, payer_acct, Acct.DEP_H, payer, hh, amt)
    np.add.at(w.s.h.inc_div, hh, amt)
