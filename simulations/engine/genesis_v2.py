"""Tick-0 additions of model v2: sectors, household heterogeneity, capital and ownership.

Every stock is still built from ordinary kinds: consumption-goods firms buy their initial
capital at cost from the capital-goods firms (CAPITAL_PURCHASE, CAPITAL_ADD), which pay the
wages of the labour that built it to the employed households (WAGE, TAX_H, INVENTORY_ADD,
INVENTORY_COGS). Equity is an initial condition: each firm and bank has `equity_owners`
owners drawn with Pareto weights.
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .ledger import Acct, TransactionKind
from .money import PPM, apply_ppm, interval_pairs, largest_remainder, to_ppm

K = TransactionKind
SHARES_PER_ISSUER = 1000


def capital_firm_count(n_f: int, share: float) -> int:
    """Capital-goods firms are the last ids; at least one of each sector when n_f >= 2."""
    if n_f < 2 or share <= 0:
        return 0
    return min(n_f - 1, max(1, round(share * n_f)))


def households(w: Context, rng: np.random.Generator) -> None:
    """Skills (lognormal, mean 1) and own propensities to consume (uniform around alpha1)."""
    cfg, h = w.cfg, w.s.h
    n = len(h)
    sig = cfg.skill_sigma
    skill = rng.lognormal(-sig * sig / 2, sig, n)
    h.skill = np.maximum(1, np.rint(skill * PPM)).astype(np.int64)
    lo = max(0.0, cfg.alpha1 - cfg.alpha1_spread)
    hi = min(1.0, cfg.alpha1 + cfg.alpha1_spread)
    h.alpha1 = rng.uniform(lo, hi, n)


def firm_weights(w: Context) -> np.ndarray:
    """Initial staff weights: consumption firms 1 each; the capital sector gets the staff that
    replaces depreciated capital (delta * capital_per_worker * capacity ratio per C-worker)."""
    cfg, f = w.cfg, w.s.f
    n_f = len(f)
    n_k = capital_firm_count(n_f, cfg.capital_firm_share)
    f.sector = (np.arange(n_f) >= n_f - n_k).astype(np.int64)
    n_c = n_f - n_k
    k_ratio = (cfg.capital_depreciation * cfg.capital_per_worker * cfg.initial_capital_ticks
               / cfg.productivity)
    weights = np.full(n_f, PPM, dtype=np.int64)
    if n_k:
        weights[f.sector == 1] = max(1, round(PPM * k_ratio * n_c / n_k))
    return weights


def assign_employers(w: Context, employed: np.ndarray) -> np.ndarray:
    counts = largest_remainder(len(employed), firm_weights(w))
    return np.repeat(np.arange(len(counts)), counts)


def initial_capital(w: Context) -> np.ndarray:
    """Capital units of each consumption firm: its staff times capital_per_worker times the
    initial capacity ratio (so utilisation starts at 1 / initial_capital_ticks)."""
    cfg, f = w.cfg, w.s.f
    units = np.ceil(f.workers * cfg.capital_per_worker * cfg.initial_capital_ticks)
    return np.where(f.sector == 0, units, 0).astype(np.int64)


def build_capital(w: Context, units: np.ndarray, unit_cost_num: int, lam: int) -> None:
    """Consumption firms pay the capital's labour cost to the capital sector, which pays it as
    wages to the employed households, produces the units and delivers them."""
    cfg, s = w.cfg, w.s
    h, f = s.h, s.f
    cost = (units * unit_cost_num) // lam
    total = int(cost.sum())
    kfirms = np.flatnonzero(f.sector == 1)
    cfirms = np.flatnonzero(cost > 0)
    if total == 0 or len(kfirms) == 0:
        return
    # Each capital firm builds a share of the units (by staff) and is paid their cost.
    k_units = largest_remainder(int(units.sum()), np.maximum(f.workers[kfirms], 1))
    k_cost = largest_remainder(total, k_units)
    payer, seller, amt = interval_pairs(cost[cfirms], k_cost)
    w.post(K.CAPITAL_PURCHASE, Acct.DEP_F, Acct.DEP_F, cfirms[payer], kfirms[seller], amt)
    workers = np.flatnonzero(h.employer >= 0)
    pay_by_worker = largest_remainder(total, np.ones(len(workers), dtype=np.int64))
    kf, hh, wage = interval_pairs(k_cost, pay_by_worker)
    w.post(K.WAGE, Acct.DEP_F, Acct.DEP_H, kfirms[kf], workers[hh], wage)
    w.post(K.TAX_H, Acct.DEP_H, Acct.TA, workers[hh], 0,
           apply_ppm(wage, to_ppm(cfg.income_tax)))
    w.post(K.INVENTORY_ADD, Acct.INV, Acct.INV, kfirms, kfirms, k_cost)
    w.post(K.INVENTORY_COGS, Acct.INV, Acct.INV, kfirms, kfirms, k_cost)
    w.post(K.CAPITAL_ADD, Acct.CAP, Acct.CAP, cfirms, cfirms, cost[cfirms])
    f.k = units
    f.util_e = np.where(f.sector == 0, 1.0 / max(cfg.initial_capital_ticks, 1e-9), 0.0)
    # Each consumption firm's preferred supplier: the capital firms in turn.
    f.supplier = np.where(f.sector == 0, kfirms[np.arange(len(f)) % len(kfirms)], 0)
    _equity_finance(w, cfirms, cost[cfirms])


def _equity_finance(w: Context, firms: np.ndarray, cost: np.ndarray) -> None:
    """Households pay the capital's cost into the firms as equity (RECAP, pro rata to their
    deposits), and the firms repay that part of their genesis loan: the initial capital is
    financed by owners, not by banks (Caiani et al. 2016 start from low leverage)."""
    s = w.s
    h, L = s.h, s.loans
    total = min(int(cost.sum()), int(np.maximum(h.dep, 0).sum()))
    if total <= 0:
        return
    cost = largest_remainder(total, cost)
    shares = largest_remainder(total, np.maximum(h.dep, 0))
    hh, ff, amt = interval_pairs(shares, cost)
    w.post(K.RECAP, Acct.DEP_H, Acct.DEP_F, hh, firms[ff], amt)
    # One genesis loan per firm (row = firm id): repay the capital part of it.
    w.post(K.LOAN_PRINCIPAL, Acct.DEP_F, Acct.LOAN, firms, L.bank[firms], cost)
    L.principal[firms] -= cost
    L.instalment[firms] = L.principal[firms] // w.cfg.eta


def ownership(w: Context, rng: np.random.Generator) -> None:
    """Each firm and bank: `equity_owners` draws (with replacement) of owners with Pareto
    weights; SHARES_PER_ISSUER shares split by the owners' weights (largest remainder)."""
    cfg, s = w.cfg, w.s
    n_h, n_f, n_b = len(s.h), len(s.f), len(s.b)
    n_i = n_f + n_b
    alpha = cfg.equity_pareto_alpha
    weight = (1.0 - rng.random(n_h)) ** (-1.0 / alpha)  # Pareto(alpha), x_m = 1
    cum = np.cumsum(weight)
    m = cfg.equity_owners
    holders = np.searchsorted(cum, rng.random((n_i, m)) * cum[-1], side="right")
    holders = np.minimum(holders, n_h - 1)
    flat = holders.ravel()
    scale = np.maximum(1, np.rint(weight[flat] * 1000)).astype(np.int64)
    rows_h, rows_i, rows_s = [], [], []
    for i in range(n_i):
        sl = slice(i * m, (i + 1) * m)
        who, inv = np.unique(flat[sl], return_inverse=True)
        wts = np.bincount(inv, weights=scale[sl]).astype(np.int64)
        sh = largest_remainder(SHARES_PER_ISSUER, wts)
        keep = sh > 0
        rows_h.append(who[keep])
        rows_i.append(np.full(int(keep.sum()), i, dtype=np.int64))
        rows_s.append(sh[keep])
    s.equity.append({"holder": np.concatenate(rows_h), "issuer": np.concatenate(rows_i),
                     "shares": np.concatenate(rows_s)})
    s.f.shares[:] = SHARES_PER_ISSUER
    s.b.shares[:] = SHARES_PER_ISSUER
