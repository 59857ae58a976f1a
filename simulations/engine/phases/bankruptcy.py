"""P8: firm bankruptcy with write-offs and recapitalisation, then bank resolution."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..invariants import firm_net_worth
from ..ledger import Acct, TransactionKind
from ..money import interval_pairs, largest_remainder, to_ppm
from ..rng import Stream
from . import ownership

K = TransactionKind


def run(w: Context) -> None:
    _firms(w)
    _banks(w)


def _firms(w: Context) -> None:
    cfg, s = w.cfg, w.s
    f, h, L = s.f, s.h, s.loans
    nw = firm_net_worth(s)
    failed = np.flatnonzero(f.default | (nw < 0))
    w.handoffs.bankruptcies = len(failed)
    if len(failed) == 0:
        return
    s.bankruptcies_total += len(failed)
    # Reset values come from t-1 public data, before any failed firm is changed.
    avg_price = max(1, int(s.public.get("cpi", int(np.median(f.price)))))
    avg_wage = max(1, int(s.public.get("avg_wage", int(np.median(f.wage)))))
    avg_demand = float(s.public.get("avg_demand", float(f.demand.mean())))
    e_new = max(0, int(np.median(f.nw_prev)))
    v2 = cfg.v2 and not w.sim
    if v2:  # entrants start from their own sector's average demand
        in_sec = {sec: f.sector == sec for sec in (0, 1)}
        sector_demand = {sec: float(f.demand[m].mean()) if m.any() else avg_demand
                         for sec, m in in_sec.items()}
        sector_price = {sec: max(1, round(float(f.price[m].mean()))) if m.any() else avg_price
                        for sec, m in in_sec.items()}
        sector_nw = {sec: max(0, int(np.median(f.nw_prev[m]))) if m.any() else e_new
                     for sec, m in in_sec.items()}
    for fid in failed.tolist():
        h.employer[h.employer == fid] = -1
        rows = np.flatnonzero((L.firm == fid) & (L.principal > 0))
        # 2. The deposit pays the loans pro rata.
        pay = min(int(f.dep[fid]), int(L.principal[rows].sum()))
        if pay > 0:
            part = largest_remainder(pay, L.principal[rows])
            w.post(K.LOAN_PRINCIPAL, Acct.DEP_F, Acct.LOAN, fid, L.bank[rows], part)
            L.principal[rows] -= part
        # 3. Inventory haircut (units kept, book value cut).
        x_new = (int(f.X[fid]) * (1_000_000 - to_ppm(cfg.iota))) // 1_000_000
        w.post(K.INVENTORY_HAIRCUT, Acct.INV, Acct.INV, fid, fid, int(f.X[fid]) - x_new)
        k_new = 0
        if v2:  # the capital is written down like the inventory (units kept)
            k_new = (int(f.K[fid]) * (1_000_000 - to_ppm(cfg.iota))) // 1_000_000
            w.post(K.CAPITAL_HAIRCUT, Acct.CAP, Acct.CAP, fid, fid, int(f.K[fid]) - k_new)
        # 4. Bad debt written off pro rata to exposure; afterwards NW_f >= 0.
        rem = int(L.principal[rows].sum())
        bad = max(0, rem - x_new - k_new)
        if bad > 0:
            cut = largest_remainder(bad, L.principal[rows])
            w.post(K.WRITE_OFF, Acct.LOAN, Acct.LOAN_F, L.bank[rows], fid, cut)
            L.principal[rows] -= cut
        # 5. Households recapitalise to the median net worth of t-1, capped at their deposits.
        # Shares follow current deposits (not t-1's, as other payouts use) so no household can be
        # charged more than it holds after this tick's flows.
        nw_f = int(firm_net_worth(s)[fid])
        target_nw = sector_nw[int(f.sector[fid])] if v2 else e_new
        need = min(max(0, target_nw - nw_f), int(np.maximum(h.dep, 0).sum()))
        if v2:
            # The entrant belongs to the households that fund it (the richest depositors).
            if need > 0:
                hh, amt = ownership.recapitalisers(h.dep, need, cfg.equity_owners,
                                                   w.rng(Stream.ENTRY, fid))
                if int(amt.sum()) > 0:  # else nobody can pay: the old owners keep it
                    w.post(K.RECAP, Acct.DEP_H, Acct.DEP_F, hh, fid, amt)
                    ownership.reissue(s, fid, hh, amt, int(f.shares[fid]))
        elif need > 0:
            shares = largest_remainder(need, np.maximum(h.dep, 0))
            hh, _, amt = interval_pairs(shares, np.array([need], dtype=np.int64))
            w.post(K.RECAP, Acct.DEP_H, Acct.DEP_F, hh, fid, amt)
        f.price[fid] = sector_price[int(f.sector[fid])] if v2 else avg_price
        f.mu[fid] = cfg.mu0
        f.wage[fid] = avg_wage
        f.s_e[fid] = sector_demand[int(f.sector[fid])] if v2 else avg_demand
        f.age[fid] = 0
        f.default[fid] = False
        f.unfilled[fid] = False
        f.no_vac_ticks[fid] = 0
    f.workers = np.bincount(h.employer[h.employer >= 0], minlength=len(f))
    h.wage = np.where(h.employer >= 0, h.wage, 0)
    h.hours = np.where(h.employer >= 0, h.hours, 0)


def _banks(w: Context) -> None:
    """Bail-in restores CR_min; if the deposits are too small, or by option, G bails out."""
    cfg, s = w.cfg, w.s
    b, h, f = s.b, s.h, s.f
    nw = b.res + b.loans + b.bills - b.dep_liab - b.adv
    failed = np.flatnonzero(nw < 0)
    w.handoffs.bank_failures = len(failed)
    for bid in failed.tolist():
        s.bank_failures_total += 1
        b.failures[bid] += 1
        delta = -(-int(b.loans[bid]) * to_ppm(cfg.cr_min) // 1_000_000) - int(nw[bid])
        hh = np.flatnonzero((h.bank == bid) & (h.dep > 0))
        ff = np.flatnonzero((f.bank == bid) & (f.dep > 0))
        held = int(h.dep[hh].sum()) + int(f.dep[ff].sum())
        if cfg.bank_resolution == "bail_in" and delta <= held:
            cut = largest_remainder(delta, np.concatenate([h.dep[hh], f.dep[ff]]))
            w.post(K.BAIL_IN, Acct.DEP_H, Acct.RES, hh, bid, cut[: len(hh)])
            w.post(K.BAIL_IN_F, Acct.DEP_F, Acct.RES, ff, bid, cut[len(hh):])
        else:
            w.post(K.CAPITAL_TRANSFER, Acct.TA, Acct.RES, 0, bid, delta)
