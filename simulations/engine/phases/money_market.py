"""P7(7), P7(9), P7(10) and P9b: CB profit remittance, bill issuance, CB advances."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..ledger import Acct, TransactionKind
from ..money import annual_to_tick_ppm, ceil_ppm, largest_remainder, to_ppm

K = TransactionKind


def cb_net_worth(w: Context) -> int:
    cb = w.s.cb
    return int(cb.adv[0] + cb.bills[0] - cb.res_liab[0] - cb.ta_liab[0])


def remit_cb_profit(w: Context) -> None:
    """(7) The CB's whole profit (its net worth this tick) goes to G; a loss is covered by G."""
    nw = cb_net_worth(w)
    w.s.cb.profit[0] = nw
    if nw > 0:
        w.post(K.CB_REMITTANCE, Acct.CB, Acct.TA, 0, 0, nw)
    elif nw < 0:
        w.post(K.CB_LOSS_COVER, Acct.TA, Acct.CB, 0, 0, -nw)


def clear(w: Context) -> None:
    _issue_bills(w)
    _advances(w)


def _issue_bills(w: Context) -> None:
    """(9) Restore TA >= 0 (TA_target 0): banks bid from excess reserves, the CB takes the rest."""
    s = w.s
    g, b = s.g, s.b
    need = max(0, -int(g.ta[0]))
    if need == 0:
        return
    # Every bill outstanding was issued this tick (1-tick maturity), so one rate fits all.
    g.bill_rate_ppm[0] = annual_to_tick_ppm(float(s.cb.i_cb[0]), w.cfg.ticks_per_year)
    # The bid uses the configured LR^T_0: the sector average of t-1 is self-referential here
    # (every bank near the average bids nothing), which would freeze any initial liquidity.
    lr_t = w.cfg.lr_target0
    excess = np.maximum(0, b.res - ceil_ppm(b.dep_liab, to_ppm(lr_t)))
    if w.sim:
        excess[:] = 0
    demand = excess.copy()
    for bid, d in w.decisions.bank.items():
        if d.bill_demand_cents is not None:
            demand[bid] = min(int(d.bill_demand_cents), int(excess[bid]))
    total = int(demand.sum())
    alloc = np.minimum(largest_remainder(need, demand), demand) if total > need else demand
    w.post(K.BILL_PURCHASE_B, Acct.RES, Acct.TA, np.arange(len(b)), 0, alloc)
    rest = need - int(alloc.sum())
    w.post(K.BILL_PURCHASE_CB, Acct.CB, Acct.TA, 0, 0, rest)


def _advances(w: Context) -> None:
    """(10) Banks borrow to cover overdrafts and reach LR_min, and repay what is in excess."""
    b = w.s.b
    floor_req = ceil_ppm(b.dep_liab, to_ppm(w.cfg.lr_min))
    floor_req = np.maximum(floor_req, 0)
    need = np.maximum(0, floor_req - b.res)
    ids = np.arange(len(b))
    w.post(K.ADVANCE, Acct.CB, Acct.RES, 0, ids, need)
    repay = np.where(need == 0, np.minimum(b.adv, np.maximum(0, b.res - floor_req)), 0)
    w.post(K.ADVANCE_REPAY, Acct.RES, Acct.CB, ids, 0, repay)
