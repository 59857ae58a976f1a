"""Model v2: equity. Dividends go to the holders of each issuer's shares; a failed firm's
new owners are the households that recapitalise it; scripts can buy new shares.

Issuers share one index: firm j is issuer j, bank k is issuer F + k. Holdings live in the
`equity` table (holder, issuer, shares); an issuer's holdings always add up to its shares
outstanding (checked with I2).
"""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..invariants import firm_net_worth
from ..ledger import Acct, TransactionKind
from ..money import largest_remainder
from ..state import State

K = TransactionKind


def pay_dividends(w: Context, kind: TransactionKind, payer_acct: Acct, amounts: np.ndarray,
                  offset: int) -> None:
    """Issuer `offset + i` pays amounts[i] to its holders, pro rata to shares."""
    E = w.s.equity
    payers = np.flatnonzero(amounts > 0)
    if len(payers) == 0:
        return
    order = np.argsort(E.issuer, kind="stable")
    issuer_sorted = E.issuer[order]
    starts = np.searchsorted(issuer_sorted, payers + offset, side="left")
    ends = np.searchsorted(issuer_sorted, payers + offset, side="right")
    src, dst, amt = [], [], []
    for p, a, b in zip(payers.tolist(), starts.tolist(), ends.tolist(), strict=True):
        rows = order[a:b]
        if len(rows) == 0:
            continue
        part = largest_remainder(int(amounts[p]), E.shares[rows])
        src.append(np.full(len(rows), p, dtype=np.int64))
        dst.append(E.holder[rows])
        amt.append(part)
    if not amt:
        return
    src_a, dst_a, amt_a = np.concatenate(src), np.concatenate(dst), np.concatenate(amt)
    w.post(kind, payer_acct, Acct.DEP_H, src_a, dst_a, amt_a)
    np.add.at(w.s.h.inc_div, dst_a, amt_a)


def reissue(s: State, issuer: int, holders: np.ndarray, paid: np.ndarray,
            total_shares: int) -> None:
    """Old holdings of the issuer are cancelled; new shares go to who paid, pro rata."""
    E = s.equity
    E.keep(E.issuer != issuer)
    shares = largest_remainder(total_shares, paid)
    keep = shares > 0
    E.append({"holder": holders[keep], "issuer": np.full(int(keep.sum()), issuer),
              "shares": shares[keep]})


def recapitalisers(dep: np.ndarray, need: int, owners: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Who funds an entrant: `owners` households drawn uniformly (entry is open to savers of
    every size, so ownership does not drift to the richest); each pays pro rata to its
    deposit. If the drawn households hold less than twice the need, the richest depositors
    are added down the ranking until they do."""
    pos = np.maximum(dep, 0)
    if int(pos.sum()) <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    who = np.unique(rng.integers(0, len(pos), owners))
    who = who[pos[who] > 0]
    if int(pos[who].sum()) < 2 * need:
        order = np.lexsort((np.arange(len(pos)), -pos))
        cum_rich = np.cumsum(pos[order])
        n = int(np.searchsorted(cum_rich, 2 * need)) + 1
        who = np.union1d(who, order[:n])
        who = who[pos[who] > 0]
    return who, largest_remainder(need, pos[who])


def equity_purchases(w: Context) -> None:
    """Scripts' portfolio choice: buy new shares of a firm at book value per share."""
    s = w.s
    f, h = s.f, s.h
    buys = [(hid, d.equity_firm_id, int(d.equity_purchase_cents))
            for hid, d in sorted(w.decisions.household.items())
            if d.equity_purchase_cents is not None and d.equity_firm_id is not None]
    for hid, fid, cents in buys:
        amount = min(cents, max(int(h.dep[hid]), 0))
        if amount <= 0:
            continue
        nw = max(int(firm_net_worth(s)[fid]), 1)
        new = amount * int(f.shares[fid]) // nw
        if new <= 0:
            continue
        w.post(K.EQUITY_PURCHASE, Acct.DEP_H, Acct.DEP_F, hid, fid, amount)
        s.equity.append({"holder": np.array([hid]), "issuer": np.array([fid]),
                         "shares": np.array([new])})
        f.shares[fid] += new


def equity_values(s: State) -> np.ndarray:
    """Each household's equity at book value: its shares times max(issuer NW, 0) / shares."""
    E = s.equity
    nw_f = np.maximum(firm_net_worth(s), 0)
    b = s.b
    nw_b = np.maximum(b.res + b.loans + b.bills - b.dep_liab - b.adv, 0)
    nw = np.concatenate([nw_f, nw_b])
    total = np.maximum(np.concatenate([s.f.shares, s.b.shares]), 1)
    value = (nw[E.issuer].astype(np.float64) * E.shares / total[E.issuer]).astype(np.int64)
    out = np.zeros(len(s.h), dtype=np.int64)
    np.add.at(out, E.holder, value)
    return out
