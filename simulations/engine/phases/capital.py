"""Model v2: capital goods. P2 capacity and investment plans of consumption-goods firms; P6
the capital-goods market (after the consumption-goods market) and depreciation.

Technology (Caiani et al. 2016, simplified): a consumption firm's workers each need
`capital_per_worker` capital units, so capacity in workers is floor(k / capital_per_worker).
Investment follows Caiani's capacity-growth rule, g = gamma_u (u - u_bar) / u_bar +
gamma_r (r - r_bar), with u the planned utilisation (desired workers / capacity), r the
profit rate on capital of t-1 and r_bar its median over consumption firms; units to buy =
k (delta + g), at least 0. Capital goods are storable; capital is kept at historical cost and
depreciates by `capital_depreciation` per tick (units and book value in proportion).
"""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..ledger import Acct, TransactionKind
from ..money import PPM, apply_ppm, to_ppm
from ..rng import Stream
from ..vocabulary import FIRM

K = TransactionKind


def capacity_workers(w: Context) -> np.ndarray:
    f = w.s.f
    return np.where(f.sector == 0, f.k // w.cfg.capital_per_worker, 0)


def capital_price(w: Context) -> int:
    """Average posted price of the capital-goods firms (what investment plans are costed at)."""
    f = w.s.f
    kf = f.sector == 1
    return max(1, round(float(f.price[kf].mean()))) if kf.any() else 1


def debt_service(w: Context) -> np.ndarray:
    """Per firm: the interest and principal P7(1) will charge this tick."""
    L, f = w.s.loans, w.s.f
    due = np.zeros(len(f), dtype=np.int64)
    owed = np.where(L.remaining <= 1, L.principal, np.minimum(L.instalment, L.principal))
    np.add.at(due, L.firm, owed + apply_ppm(L.principal, L.rate_ppm))
    return due


def plan(w: Context) -> None:
    """After the output plans: cap consumption firms' staff at capacity, plan investment."""
    cfg, f = w.cfg, w.s.f
    cons = f.sector == 0
    cap = capacity_workers(w)
    desired = f.target.copy()
    f.util = np.where(cons, desired / np.maximum(cap, 1), 0.0)
    f.util_e = f.util_e + cfg.lambda_e * (f.util - f.util_e)
    f.target = np.where(cons, np.minimum(f.target, cap), f.target)
    _capital_output(w)
    rates = f.profit_rate[cons]
    r_bar = float(np.median(rates)) if len(rates) else 0.0
    u_bar = cfg.target_utilisation
    g = (cfg.investment_gamma_u * (np.minimum(f.util_e, 2.0) - u_bar) / u_bar
         + cfg.investment_gamma_r * (f.profit_rate - r_bar))
    delta = cfg.capital_depreciation
    g = np.clip(g, -delta, 0.25)
    units = np.rint(f.k * (delta + g))
    f.inv_plan = np.where(cons, np.maximum(units, 0), 0).astype(np.int64)
    for fid, d in w.decisions.firm.items():
        if d.investment_units is not None and f.sector[fid] == 0:
            f.inv_plan[fid] = int(d.investment_units)


def _capital_output(w: Context) -> None:
    """Capital-goods firms (storable output): expected sales plus a share lambda_e of the gap
    between the desired stock (capital_inventory_ticks x expected sales) and the stock."""
    cfg, f = w.cfg, w.s.f
    kf = np.flatnonzero(f.sector == 1)
    if len(kf) == 0:
        return
    lam = np.maximum(1, np.rint(cfg.productivity * f.lam[kf])).astype(np.int64)
    s_e = f.s_e[kf]
    want = s_e + cfg.lambda_e * (cfg.capital_inventory_ticks * s_e - f.x[kf])
    want = np.maximum(0, np.ceil(want)).astype(np.int64)
    target = -(-want // lam)
    scripted = [fid for fid, d in w.decisions.firm.items() if d.target_workers is not None]
    keep = np.isin(kf, scripted)
    f.target[kf] = np.where(keep, f.target[kf], target)


def market(w: Context) -> None:
    """Consumption firms buy their planned capital from `capital_sample` sampled suppliers,
    cheapest first, with the deposit left after this tick's debt service is provisioned."""
    cfg, s = w.cfg, w.s
    f = s.f
    n_f = len(f)
    f.inv_units[:] = 0
    f.investment[:] = 0
    kfirms = np.flatnonzero(f.sector == 1)
    buyers = np.flatnonzero((f.inv_plan > 0) & (f.sector == 0))
    sold = np.zeros(n_f, dtype=np.int64)
    unmet = np.zeros(n_f, dtype=np.int64)
    if len(kfirms) and len(buyers):
        rng = w.rng(Stream.CAPITAL_SEARCH)
        buyers = buyers[rng.permutation(len(buyers))]
        z = min(cfg.capital_sample, len(kfirms))
        samples = kfirms[rng.integers(0, len(kfirms), size=(len(buyers), z))]
        samples[:, 0] = f.supplier[buyers]  # the preferred supplier is always visited
        # Keep what P7 will charge and the sigma share of a wage bill for next tick.
        keep = debt_service(w) + apply_ppm(f.wage_bill, to_ppm(cfg.sigma))
        cash = np.maximum(f.dep - keep, 0).tolist()
        stock = f.x.tolist()
        price = f.price.tolist()
        rows_b, rows_s, rows_q = [], [], []
        for k, buyer in enumerate(buyers.tolist()):
            want = int(f.inv_plan[buyer])
            seen = sorted(set(samples[k].tolist()), key=lambda j: (price[j], j))
            for seller in seen:
                if want <= 0:
                    break
                q = min(want, stock[seller], cash[buyer] // price[seller])
                if q < want and stock[seller] < want:
                    unmet[seller] += min(want, cash[buyer] // price[seller]) - q
                if q <= 0:
                    continue
                stock[seller] -= q
                cash[buyer] -= q * price[seller]
                want -= q
                rows_b.append(buyer)
                rows_s.append(seller)
                rows_q.append(q)
        if rows_q:
            _deliver(w, np.asarray(rows_b, np.int64), np.asarray(rows_s, np.int64),
                     np.asarray(rows_q, np.int64), sold)
        _switch_supplier(w, buyers, samples, rng)
    kf = f.sector == 1
    f.sales = np.where(kf, sold, f.sales)
    f.unmet = np.where(kf, unmet, f.unmet)
    f.demand = np.where(kf, sold + unmet, f.demand)
    f.unsold = np.where(kf, f.x, f.unsold)
    _depreciate(w)


def _switch_supplier(w: Context, buyers: np.ndarray, samples: np.ndarray,
                     rng: np.random.Generator) -> None:
    """Move to the cheapest supplier seen with prob 1 - exp(-eps_c dp / p), as households
    move their preferred seller (Caiani et al. 2016 use the same rule in both markets)."""
    f = w.s.f
    price = f.price[samples]
    cheapest = samples[np.arange(len(buyers)), np.argmin(price, axis=1)]
    p_old = f.price[f.supplier[buyers]].astype(np.float64)
    p_new = f.price[cheapest].astype(np.float64)
    with np.errstate(over="ignore"):
        prob = np.where(p_new < p_old, 1 - np.exp(-w.cfg.eps_c * (p_old - p_new) / p_old), 0.0)
    move = rng.random(len(buyers)) < prob
    f.supplier[buyers[move]] = cheapest[move]


def _deliver(w: Context, buyers: np.ndarray, sellers: np.ndarray, qty: np.ndarray,
             sold: np.ndarray) -> None:
    """Payment, the seller's cost of goods sold at historical cost, installation at cost."""
    f = w.s.f
    n_f = len(f)
    price = f.price[sellers]
    value = price * qty
    w.post(K.CAPITAL_PURCHASE, Acct.DEP_F, Acct.DEP_F, buyers, sellers, value)
    w.handoffs.trades.record("goods", FIRM, buyers, FIRM, sellers, qty, price)
    np.add.at(sold, sellers, qty)
    rev = np.bincount(sellers, weights=value, minlength=n_f).astype(np.int64)
    who = np.flatnonzero(sold > 0)
    x, X, q = f.x[who], f.X[who], sold[who]
    cogs = np.where(q == x, X, (X.astype(object) * q // np.maximum(x, 1)).astype(np.int64))
    w.post(K.INVENTORY_COGS, Acct.INV, Acct.INV, who, who, cogs)
    f.cogs[who] += cogs
    f.x = f.x - sold
    f.revenue = f.revenue + rev
    spent = np.bincount(buyers, weights=value, minlength=n_f).astype(np.int64)
    units = np.bincount(buyers, weights=qty, minlength=n_f).astype(np.int64)
    got = np.flatnonzero(spent > 0)
    w.post(K.CAPITAL_ADD, Acct.CAP, Acct.CAP, got, got, spent[got])
    f.k = f.k + units
    f.inv_units = units
    f.investment = spent
    w.handoffs.units.capital_installed += int(units.sum())


def _depreciate(w: Context) -> None:
    """delta of the units (floor) leave; their share of the book value is a current cost."""
    f = w.s.f
    f.depreciation[:] = 0
    lost = (f.k * to_ppm(w.cfg.capital_depreciation)) // PPM
    who = np.flatnonzero(lost > 0)
    if len(who) == 0:
        return
    k, Kv, q = f.k[who], f.K[who], lost[who]
    cost = np.where(q == k, Kv, (Kv.astype(object) * q // np.maximum(k, 1)).astype(np.int64))
    w.post(K.CAPITAL_DEPRECIATION, Acct.CAP, Acct.CAP, who, who, cost)
    f.depreciation[who] = cost
    f.k[who] -= q
    w.handoffs.units.capital_scrapped += int(q.sum())
