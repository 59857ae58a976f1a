"""P7: settlement in a fixed order (debt service, interest, benefits, taxes, dividends, ...)."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..ledger import Acct, TransactionKind
from ..money import annual_to_tick_ppm, apply_ppm, largest_remainder, to_ppm
from ..rng import Stream
from . import money_market, ownership
from .payouts import pay_households_pro_rata

K = TransactionKind


def run(w: Context) -> None:
    s = w.s
    s.f.default[:] = False
    s.b.interest_in[:] = 0
    s.b.interest_out[:] = 0
    _debt_service(w)
    _interest_and_bills(w)
    _benefits_and_transfers(w)
    _profit_taxes(w)
    _dividends(w)
    _income_tax(w)
    money_market.remit_cb_profit(w)
    _switch_deposits(w)
    money_market.clear(w)
    h = s.h
    h.yd = (h.inc_wage + h.inc_benefit + h.inc_interest + h.inc_div + h.inc_transfer
            - h.tax_paid)


def _debt_service(w: Context) -> None:
    """(1) Interest and instalments; a firm that cannot pay in full defaults and pays pro rata."""
    s = w.s
    L, f = s.loans, s.f
    f.loan_interest[:] = 0
    if len(L) == 0:
        return
    interest = apply_ppm(L.principal, L.rate_ppm)
    principal_due = np.where(L.remaining <= 1, L.principal, np.minimum(L.instalment, L.principal))
    due = interest + principal_due
    due_f = np.zeros(len(f), dtype=np.int64)
    np.add.at(due_f, L.firm, due)
    short = np.flatnonzero(due_f > f.dep)
    paid_int, paid_prin = interest.copy(), principal_due.copy()
    for fid in short.tolist():
        rows = np.flatnonzero(L.firm == fid)
        paid = largest_remainder(int(max(f.dep[fid], 0)), due[rows])
        paid_int[rows] = np.minimum(paid, interest[rows])
        paid_prin[rows] = paid - paid_int[rows]
        f.default[fid] = True
    w.post(K.LOAN_INTEREST, Acct.DEP_F, Acct.RES, L.firm, L.bank, paid_int)
    w.post(K.LOAN_PRINCIPAL, Acct.DEP_F, Acct.LOAN, L.firm, L.bank, paid_prin)
    np.add.at(f.loan_interest, L.firm, paid_int)
    np.add.at(s.b.interest_in, L.bank, paid_int)
    full = paid_prin == principal_due
    L.principal = L.principal - paid_prin
    L.remaining = np.where(full, L.remaining - 1, L.remaining)


def _interest_and_bills(w: Context) -> None:
    """(2) Interest on closing balances of t-1 at the rates set in P1; bills redeemed."""
    s, tpy = w.s, w.cfg.ticks_per_year
    h, f, b, cb, g = s.h, s.f, s.b, s.cb, s.g
    n_b = len(b)
    dep_rate = np.array([annual_to_tick_ppm(r, tpy) for r in b.i_d.tolist()], dtype=np.int64)
    hi = apply_ppm(h.dep_prev, dep_rate[h.bank])
    h.inc_interest[:] = hi
    w.post(K.DEPOSIT_INTEREST, Acct.RES, Acct.DEP_H, h.bank, np.arange(len(h)), hi)
    fi = apply_ppm(f.dep_prev, dep_rate[f.bank])
    f.dep_interest[:] = fi
    w.post(K.DEPOSIT_INTEREST_F, Acct.RES, Acct.DEP_F, f.bank, np.arange(len(f)), fi)
    paid_out = np.zeros(n_b, dtype=np.int64)
    np.add.at(paid_out, h.bank, hi)
    np.add.at(paid_out, f.bank, fi)
    banks = np.arange(n_b)
    r_int = apply_ppm(b.res_prev, annual_to_tick_ppm(float(cb.i_r[0]), tpy))
    w.post(K.RESERVE_INTEREST, Acct.CB, Acct.RES, 0, banks, r_int)
    a_int = apply_ppm(b.adv_prev, annual_to_tick_ppm(float(cb.i_a[0]), tpy))
    w.post(K.ADVANCE_INTEREST, Acct.RES, Acct.CB, banks, 0, a_int)
    rate = int(g.bill_rate_ppm[0])
    b_int = apply_ppm(b.bills, rate)
    cb_int = apply_ppm(int(cb.bills[0]), rate)
    w.post(K.BILL_REDEEM_B, Acct.TA, Acct.RES, 0, banks, b.bills.copy())
    w.post(K.BILL_REDEEM_CB, Acct.TA, Acct.CB, 0, 0, int(cb.bills[0]))
    w.post(K.BILL_INTEREST_B, Acct.TA, Acct.RES, 0, banks, b_int)
    w.post(K.BILL_INTEREST_CB, Acct.TA, Acct.CB, 0, 0, cb_int)
    b.interest_in += r_int + b_int
    b.interest_out += paid_out + a_int
    g.interest[0] = int(b_int.sum()) + cb_int


def _benefits_and_transfers(w: Context) -> None:
    """(3) Benefits to unemployed participants and the sick; transfers (scripts, income shocks)."""
    s = w.s
    h, g = s.h, s.g
    h.inc_benefit[:] = 0
    h.inc_transfer[:] = 0
    avg_wage = int(s.public.get("avg_wage", w.cfg.initial_wage_cents))
    benefit = (avg_wage * to_ppm(float(g.benefit_ratio[0]))) // 1_000_000
    eligible = np.flatnonzero(((h.employer < 0) & h.participate) | (h.endow == 0))
    if benefit > 0 and len(eligible):
        w.post(K.BENEFIT, Acct.TA, Acct.DEP_H, 0, eligible, np.full(len(eligible), benefit))
        h.inc_benefit[eligible] = benefit
    g.benefits[0] = benefit * len(eligible)
    per_hh = np.full(len(h), int(g.transfer[0]), dtype=np.int64)
    if w.handoffs.income_shock is not None:
        per_hh += w.handoffs.income_shock
    give = np.maximum(per_hh, 0)
    w.post(K.GOV_TRANSFER, Acct.TA, Acct.DEP_H, 0, np.arange(len(h)), give)
    take = np.minimum(np.maximum(-per_hh, 0), np.maximum(h.dep, 0))
    w.post(K.GOV_LEVY, Acct.DEP_H, Acct.TA, np.arange(len(h)), 0, take)
    h.inc_transfer[:] = give - take


def _profit_taxes(w: Context) -> None:
    """(4) Profit taxes; a firm's tax is capped at its deposit and a shortfall flags default."""
    s = w.s
    f, b = s.f, s.b
    rate = to_ppm(float(s.g.profit_tax[0]))
    f.profit = f.revenue - f.cogs - f.spoilage - f.loan_interest + f.dep_interest
    if w.cfg.v2:
        f.profit = f.profit - f.depreciation
        f.profit_rate = f.profit / np.maximum(f.K, 1)
    tax = apply_ppm(np.maximum(f.profit, 0), rate)
    tax = np.where(f.default, 0, tax)
    cap = np.maximum(f.dep, 0)
    f.default = f.default | (tax > cap)
    f.tax = np.minimum(tax, cap)
    w.post(K.TAX_F, Acct.DEP_F, Acct.TA, np.arange(len(f)), 0, f.tax)
    b.profit = b.interest_in - b.interest_out
    b.tax = apply_ppm(np.maximum(b.profit, 0), rate)
    w.post(K.TAX_B, Acct.RES, Acct.TA, np.arange(len(b)), 0, b.tax)


def _dividends(w: Context) -> None:
    """(5) Firm and bank dividends, paid to households pro rata to deposits of t-1."""
    cfg, s = w.cfg, w.s
    f, b = s.f, s.b
    share = np.full(len(f), to_ppm(cfg.rho_firm), dtype=np.int64)
    for fid, d in w.decisions.firm.items():
        if d.dividend_share is not None:
            share[fid] = to_ppm(d.dividend_share)
    after_tax = np.maximum(f.profit - f.tax, 0)
    div = np.minimum(apply_ppm(after_tax, share), np.maximum(f.dep, 0))
    f.dividends = np.where(f.default, 0, div)
    s.h.inc_div[:] = 0
    v2 = cfg.v2 and not w.sim
    if v2:
        ownership.pay_dividends(w, K.FIRM_DIVIDEND, Acct.DEP_F, f.dividends, 0)
    else:
        pay_households_pro_rata(w, K.FIRM_DIVIDEND, Acct.DEP_F, f.dividends)
    bshare = np.full(len(b), to_ppm(cfg.rho_bank), dtype=np.int64)
    for bid, bd in w.decisions.bank.items():
        if bd.dividend_share is not None:
            bshare[bid] = to_ppm(bd.dividend_share)
    nw = b.res + b.loans + b.bills - b.dep_liab - b.adv
    cr_t = float(s.public.get("cr_target", cfg.cr_target0))
    healthy = (b.loans == 0) | (nw >= cr_t * b.loans)
    b.dividends = np.where(healthy, apply_ppm(np.maximum(b.profit - b.tax, 0), bshare), 0)
    b.dividends = np.minimum(b.dividends, np.maximum(nw, 0))
    if v2:
        ownership.pay_dividends(w, K.BANK_DIVIDEND, Acct.RES, b.dividends, len(f))
        ownership.equity_purchases(w)
    else:
        pay_households_pro_rata(w, K.BANK_DIVIDEND, Acct.RES, b.dividends)


def _income_tax(w: Context) -> None:
    """(6) Income tax on interest and dividends of t (wages were taxed at source in P5)."""
    h = w.s.h
    tax = apply_ppm(h.inc_interest + h.inc_div, to_ppm(float(w.s.g.income_tax[0])))
    tax = np.minimum(tax, np.maximum(h.dep, 0))
    w.post(K.TAX_H, Acct.DEP_H, Acct.TA, np.arange(len(h)), 0, tax)
    h.tax_paid += tax


def _switch_deposits(w: Context) -> None:
    """(8) Depositors move to a better-paying sampled bank with prob 1-exp(-eps_d*di/i)."""
    cfg, h, b = w.cfg, w.s.h, w.s.b
    n_h, n_b = len(h), len(b)
    new_bank = h.bank.copy()
    if not w.sim and n_b > 1:
        rng = w.rng(Stream.DEPOSIT_SWITCH)
        sample = rng.integers(0, n_b, size=(n_h, cfg.chi_d))
        rates = b.i_d[sample]
        best = sample[np.arange(n_h), np.argmax(rates, axis=1)]
        i_old, i_new = b.i_d[h.bank], b.i_d[best]
        gap = i_new - i_old
        prob = np.where(gap > 0, 1 - np.exp(-cfg.eps_d * gap / np.maximum(i_old, 1e-4)), 0.0)
        move = rng.random(n_h) < prob
        new_bank = np.where(move, best, new_bank)
    for hid, d in w.decisions.household.items():
        if d.deposit_bank_id is not None:
            new_bank[hid] = int(d.deposit_bank_id)
    movers = np.flatnonzero(new_bank != h.bank)
    if len(movers) == 0:
        return
    w.post(K.DEPOSIT_SWITCH, Acct.DEP_H, Acct.DEP_H, movers, movers, h.dep[movers],
           new_bank=new_bank[movers])
    # Empty accounts move too; no money is involved, so there is nothing to post.
    h.bank[movers] = new_bank[movers]
