"""Tick-0 initialisation (the baseline, and the SIM mode's steady state).

Every stock is built from balanced postings of ordinary kinds, so I1-I9 hold from t = 0:
bills to the CB, capital and endowment transfers from the Treasury, household
recapitalisation of firms, loan draws, and one genesis production round.
"""

from __future__ import annotations

import numpy as np

from . import genesis_v2
from .aggregates import publish
from .context import Context
from .invariants import firm_net_worth
from .ledger import Acct, TransactionKind
from .money import (
    PPM,
    annual_to_tick_ppm,
    apply_ppm,
    ceil_ppm,
    interval_pairs,
    largest_remainder,
    to_ppm,
)
from .phases import money_market
from .phases.ownership import equity_values
from .rng import Stream

K = TransactionKind
SIM_UNIT = 1_000_000


def initialise(w: Context) -> None:
    if w.sim:
        _sim(w)
    else:
        _baseline(w)


def _sim(w: Context) -> None:
    cfg, s = w.cfg, w.s
    h, f, b = s.h, s.f, s.b
    n_h = len(h)
    h.bank[:] = 0
    f.bank[:] = 0
    h.employer[:] = 0
    h.participate[:] = True
    h.endow[:] = cfg.household_labour
    h.kappa[:] = 1.0
    h.res_wage[:] = 0.0
    f.price[:] = 1
    f.wage[:] = cfg.initial_wage_cents
    f.lam[:] = 1.0
    b.i_l[:] = 0.0
    b.i_d[:] = 0.0
    money = round(cfg.initial_household_money * SIM_UNIT)
    if money > 0:
        # SIM mode: start from a steady state held as CB bills and household deposits.
        w.post(K.BILL_PURCHASE_CB, Acct.CB, Acct.TA, 0, 0, money)
        w.post(K.GOV_TRANSFER, Acct.TA, Acct.DEP_H, 0, np.arange(n_h),
               largest_remainder(money, np.ones(n_h, dtype=np.int64)))
    yd = round(cfg.initial_disposable_income * SIM_UNIT)
    h.yd = largest_remainder(yd, np.ones(n_h, dtype=np.int64))
    h.yd_e = h.yd.astype(np.float64)
    f.workers[:] = n_h
    _publish_initial(w)


def _baseline(w: Context) -> None:
    cfg, s = w.cfg, w.s
    h, f, b = s.h, s.f, s.b
    n_h, n_f, n_b = len(h), len(f), len(b)
    rng = w.rng(Stream.GENESIS)
    w0, lam = cfg.initial_wage_cents, cfg.productivity
    h.bank = np.arange(n_h) % n_b
    f.bank = np.arange(n_f) % n_b
    h.participate[:] = True
    h.endow[:] = 1
    h.kappa[:] = 1.0
    h.res_wage[:] = 0.9 * w0
    n_emp = round(cfg.initial_employment_rate * n_h)
    employed = rng.permutation(n_h)[:n_emp]
    h.employer[:] = -1
    if cfg.v2:
        rng2 = w.rng(Stream.GENESIS_V2)
        genesis_v2.households(w, rng2)
        h.employer[employed] = genesis_v2.assign_employers(w, employed)
    else:
        h.employer[employed] = np.arange(n_emp) % n_f
    h.hours = (h.employer >= 0).astype(np.int64)
    h.wage = np.where(h.employer >= 0, w0, 0)
    if cfg.v2:
        h.wage = (h.wage * h.skill) // PPM
        h.res_wage = 0.9 * w0 * h.skill / PPM
    sellers = consumption_firms(w)
    h.pref_seller = sellers[rng.integers(0, len(sellers), n_h)]
    f.wage[:] = w0
    f.mu[:] = cfg.mu0
    f.lam[:] = 1.0
    f.price[:] = max(1, round((1 + cfg.mu0) * w0 / lam))
    f.workers = np.bincount(h.employer[h.employer >= 0], minlength=n_f)
    b.spread[:] = cfg.loan_spread0
    b.i_l[:] = cfg.policy_rate + cfg.loan_spread0
    b.i_d[:] = min(cfg.deposit_rate0, cfg.policy_rate)
    s.cb.i_cb[0] = cfg.policy_rate
    # Initial incomes: net wage for the employed, the benefit for the unemployed.
    net_wage = h.wage - apply_ppm(h.wage, to_ppm(cfg.income_tax))
    benefit = (w0 * to_ppm(cfg.benefit_ratio)) // PPM
    yd = np.where(h.employer >= 0, net_wage, benefit).astype(np.int64)
    h.yd = yd
    h.yd_e = yd.astype(np.float64)
    h.perm_income = yd / max(1, int(f.price[0]))  # real permanent income (CC-MABM rule)
    price = int(f.price[0])
    g_units = int(cfg.gov_purchase_share * n_emp * lam)
    demand_units = int(yd.sum()) // price + g_units
    if cfg.v2:
        k_units = genesis_v2.initial_capital(w)
        replacement = int(k_units.sum()) * to_ppm(cfg.capital_depreciation) // PPM
        s_e = np.where(f.sector == 0, largest_remainder(
            demand_units, np.where(f.sector == 0, np.maximum(f.workers, 1), 0)),
            largest_remainder(replacement, np.where(f.sector == 1,
                                                    np.maximum(f.workers, 1), 0)))
    else:
        s_e = largest_remainder(demand_units, np.maximum(f.workers, 1))
    f.s_e = s_e.astype(np.float64)
    f.demand = s_e.copy()
    f.sales = s_e.copy()
    s.public["g_base_units"] = g_units
    wage_bill = w0 * f.workers
    genesis_units = np.ceil(cfg.nu * s_e).astype(np.int64)
    genesis_cost = (genesis_units * w0) // lam
    loans = wage_bill + genesis_cost
    if cfg.v2:
        wage_bill = np.bincount(h.employer[h.employer >= 0], weights=h.wage[h.employer >= 0],
                                minlength=n_f).astype(np.int64)
        loans = wage_bill + genesis_cost + (k_units * w0) // lam
    # 1-2. Bills to the CB fund bank capital (CR = CR^T_0 on the initial loans) and endowments.
    loans_by_bank = np.zeros(n_b, dtype=np.int64)
    np.add.at(loans_by_bank, f.bank, loans)
    capital = ceil_ppm(loans_by_bank, to_ppm(cfg.cr_target0))
    endow = (5 * yd) // 2
    w.post(K.BILL_PURCHASE_CB, Acct.CB, Acct.TA, 0, 0, int(capital.sum()) + int(endow.sum()))
    w.post(K.CAPITAL_TRANSFER, Acct.TA, Acct.RES, 0, np.arange(n_b), capital)
    w.post(K.GOV_TRANSFER, Acct.TA, Acct.DEP_H, 0, np.arange(n_h), endow)
    # 3. Households recapitalise firms with one wage bill, pro rata to their deposits.
    shares = largest_remainder(int(wage_bill.sum()), h.dep)
    hh, ff, amt = interval_pairs(shares, wage_bill)
    w.post(K.RECAP, Acct.DEP_H, Acct.DEP_F, hh, ff, amt)
    # 4. Firms borrow from their house bank and run one genesis production round.
    rate = annual_to_tick_ppm(float(b.i_l[0]), cfg.ticks_per_year)
    s.loans.append({"firm": np.arange(n_f), "bank": f.bank.copy(), "principal": loans,
                    "rate_ppm": np.full(n_f, rate), "instalment": loans // cfg.eta,
                    "remaining": np.full(n_f, cfg.eta), "origin": np.zeros(n_f)})
    w.post(K.LOAN_DRAW, Acct.LOAN, Acct.DEP_F, f.bank, np.arange(n_f), loans)
    if cfg.v2:
        genesis_v2.build_capital(w, k_units, w0, lam)
    workers = np.flatnonzero(h.employer >= 0)
    firm_of = h.employer[workers]
    pay = np.zeros(len(workers), dtype=np.int64)
    for fid in range(n_f):
        mine = np.flatnonzero(firm_of == fid)
        if len(mine):
            pay[mine] = largest_remainder(int(genesis_cost[fid]), np.ones(len(mine), np.int64))
    w.post(K.WAGE, Acct.DEP_F, Acct.DEP_H, firm_of, workers, pay)
    w.post(K.TAX_H, Acct.DEP_H, Acct.TA, workers, 0, apply_ppm(pay, to_ppm(cfg.income_tax)))
    paid = np.bincount(firm_of, weights=pay, minlength=n_f).astype(np.int64)
    w.post(K.INVENTORY_ADD, Acct.INV, Acct.INV, np.arange(n_f), np.arange(n_f), paid)
    f.x = genesis_units
    f.unsold = genesis_units.copy()
    w.handoffs.units.production = int(genesis_units.sum())
    money_market.clear(w)
    if cfg.v2:
        genesis_v2.ownership(w, rng2)
        s.h.equity = equity_values(s)
    f.nw_prev = firm_net_worth(s)
    _publish_initial(w)


def consumption_firms(w: Context) -> np.ndarray:
    """Ids of the firms selling to households: all of them in v1."""
    if w.cfg.v2 and not w.sim:
        return np.flatnonzero(w.s.f.sector == 0)
    return np.arange(len(w.s.f))


def _publish_initial(w: Context) -> None:
    publish(w)
