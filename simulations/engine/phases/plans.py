"""P2: households plan consumption and labour supply; firms plan output, wages, prices, credit."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..money import PPM, ceil_ppm, isum, to_ppm
from ..rng import Stream, folded_normal
from . import capital


def run(w: Context) -> None:
    _households(w)
    _firms(w)


def tick_share(monthly: float, ticks_per_year: int) -> float:
    """Rescale a monthly probability/step (Lengnick) to one tick: 1 - (1 - x)^(months/tick)."""
    return 1.0 - (1.0 - monthly) ** (12.0 / ticks_per_year)


def _households(w: Context) -> None:
    cfg, h, t = w.cfg, w.s.h, w.t
    # Adaptive expectation of disposable income (lambda_e = 1 in SIM: YD^e = YD_{t-1}).
    h.yd_e = h.yd_e + cfg.lambda_e * (h.yd - h.yd_e)
    h.kappa = np.where(h.kappa_until > t, h.kappa, 1.0)
    h.endow = np.where(h.health_until > t, 0, cfg.household_labour)
    if cfg.consumption_rule == "ccmabm" and not w.sim:
        base = _ccmabm_consumption(w)
    else:
        yd_e = np.maximum(np.rint(h.yd_e), 0).astype(np.int64)
        a1, a2 = to_ppm(cfg.alpha1), to_ppm(cfg.alpha2)
        if cfg.v2 and not w.sim:
            a1 = np.rint(h.alpha1 * PPM).astype(np.int64)
        base = (a1 * yd_e + a2 * np.maximum(h.dep, 0)) // PPM
    kappa_ppm = np.rint(h.kappa * PPM).astype(np.int64)
    budget = base * kappa_ppm // PPM
    h.budget = budget
    h.participate = h.endow > 0
    if not w.sim:
        rng = w.rng(Stream.HOUSEHOLD_PLANS)
        fn = folded_normal(rng, cfg.fn_sigma, len(h))
        hist = h.unemp_hist
        spells = (hist & 1) + ((hist >> 1) & 1) + ((hist >> 2) & 1) + ((hist >> 3) & 1)
        u_prev = float(w.s.public.get("unemployment_rate", 0.0))
        h.res_wage = np.where(spells > 2, h.res_wage * (1 - fn),
                              np.where(u_prev <= cfg.upsilon, h.res_wage * (1 + fn),
                                       h.res_wage))
    # Script overrides (consume_* are read at P6, against the cash on hand then).
    for hid, d in w.decisions.household.items():
        if d.participate is not None:
            h.participate[hid] = bool(d.participate) and h.endow[hid] > 0
        if d.reservation_wage_cents is not None:
            h.res_wage[hid] = float(d.reservation_wage_cents)


def _firms(w: Context) -> None:
    cfg, f = w.cfg, w.s.f
    lam = firm_productivity(w)
    if w.sim:
        # Production to order (SIM mode): the firm knows the planned demand at P2.
        f.price[:] = 1
        f.wage[:] = cfg.initial_wage_cents
        f.mu[:] = 0.0
        planned = isum(w.s.h.budget) + int(w.s.g.purchases_units[0])
        f.target[:] = 0
        f.target[0] = -(-planned // int(lam[0]))
        f.s_e[:] = float(planned)
        f.credit_demand = np.maximum(0, f.wage * f.target - f.dep)
        _firm_overrides(w)
        return
    rng = w.rng(Stream.FIRM_PLANS)
    n = len(f)
    f.s_e = f.s_e + cfg.lambda_e * (f.demand - f.s_e)
    if cfg.firm_rule == "ccmabm":
        _ccmabm_firms(w, lam, rng)
        return
    want = np.maximum(0, np.ceil(f.s_e * (1 + cfg.nu)).astype(np.int64) - f.x)
    f.target = -(-want // lam)
    # Wage offer before price; Lengnick's monthly delta rescaled to the tick.
    _wage_offers(w, rng)
    fn = folded_normal(rng, cfg.fn_sigma, n)
    # Markup test x <= nu*s without division.
    # The stock tested is what was left unsold before any of it perished (goods.py _spoil).
    low_stock = f.unsold <= cfg.nu * f.sales
    if cfg.v2 and not w.sim:  # capital goods are storable: their own stock target
        low_stock = np.where(f.sector == 1,
                             f.unsold <= cfg.capital_inventory_ticks * f.sales, low_stock)
    f.mu = np.maximum(0.0, np.where(low_stock, f.mu * (1 + fn), f.mu * (1 - fn)))
    f.price = np.maximum(1, np.rint((1 + f.mu) * f.wage / lam)).astype(np.int64)
    _firm_overrides(w)
    if cfg.v2:
        capital.plan(w)
    _credit_demand(w)


def _wage_offers(w: Context, rng: np.random.Generator) -> None:
    """Lengnick's wage rule (rule 4), shared by both firm rules; computed before the price."""
    cfg, f = w.cfg, w.s.f
    n = len(f)
    delta = tick_share(cfg.wage_delta, cfg.ticks_per_year)
    up = rng.uniform(0.0, delta, n)
    down = rng.uniform(0.0, delta, n)
    wage = f.wage.astype(np.float64)
    wage = np.where(f.unfilled, wage * (1 + up),
                    np.where(f.no_vac_ticks >= cfg.wage_gamma, wage * (1 - down), wage))
    f.wage = np.maximum(1, np.rint(wage)).astype(np.int64)


def _ccmabm_firms(w: Context, lam: np.ndarray, rng: np.random.Generator) -> None:
    """firm_rule="ccmabm" (ABCredit.jl firms_price_quantity): price OR quantity moves.

    Supply of t-1 is what was on offer (sales + unsold); excess supply x' = unsold - unmet.
    Desired supply follows the quantity rule, production tops the current stock up to it.
    The price is set directly (no markup, floored at unit labour cost); at least one worker is
    always planned.
    """
    cfg, f = w.cfg, w.s.f
    n = len(f)
    _wage_offers(w, rng)
    p_bar = float(w.s.public.get("cpi", float(f.price.mean())))
    supply = (f.sales + f.unsold).astype(np.float64)
    excess = (f.unsold - f.unmet).astype(np.float64)
    price = f.price.astype(np.float64)
    u = rng.uniform(0.0, cfg.ccmabm_eta_p, n)
    short = excess <= 0
    raise_p = short & (price < p_bar)
    cut_p = ~short & (price > p_bar)
    qty_rule = ~(raise_p | cut_p)
    desired = np.where(qty_rule, supply - cfg.ccmabm_rho_q * excess, supply)
    desired = np.maximum(desired, lam.astype(np.float64))
    # Never below the unit labour cost (Assenza et al. 2015 bound prices by average cost);
    # without it the wage rule raises costs while identical prices never leave P-bar.
    floor = -(-f.wage // lam)
    f.price = np.maximum(floor, np.rint(np.where(raise_p, price * (1 + u),
                                                 np.where(cut_p, price * (1 - u), price)))
                         ).astype(np.int64)
    want = np.maximum(0, np.ceil(desired).astype(np.int64) - f.x)
    f.target = -(-want // lam)
    _firm_overrides(w)
    if cfg.v2:
        capital.plan(w)
    _credit_demand(w)


def _ccmabm_consumption(w: Context) -> np.ndarray:
    """consumption_rule="ccmabm": permanent real income plus chi of real wealth.

    y~ = xi*y~_{t-1} + (1-xi)*YD_{t-1}/P; nominal budget = P*y~ + chi*D, P the CPI of t-1.
    """
    cfg, h = w.cfg, w.s.h
    p_bar = max(float(w.s.public.get("cpi", 1.0)), 1e-9)
    h.perm_income = cfg.ccmabm_xi * h.perm_income + (1 - cfg.ccmabm_xi) * h.yd / p_bar
    real = np.maximum(h.perm_income, 0.0)
    return (np.floor(real * p_bar).astype(np.int64)
            + (to_ppm(cfg.ccmabm_chi) * np.maximum(h.dep, 0)) // PPM)


def _credit_demand(w: Context) -> None:
    cfg, f = w.cfg, w.s.f
    need = ceil_ppm(f.wage * f.target, PPM + to_ppm(cfg.sigma))
    if cfg.v2:
        need = need + f.inv_plan * capital.capital_price(w) + capital.debt_service(w)
    f.credit_demand = np.maximum(0, need - f.dep)
    for fid, d in w.decisions.firm.items():
        if d.loan_request_cents is not None:
            f.credit_demand[fid] = int(d.loan_request_cents)


def _firm_overrides(w: Context) -> None:
    f = w.s.f
    for fid, d in sorted(w.decisions.firm.items()):
        if d.wage_offer_cents is not None:
            f.wage[fid] = int(d.wage_offer_cents)
        if d.price_cents is not None:
            f.price[fid] = int(d.price_cents)
        if d.target_workers is not None:
            f.target[fid] = int(d.target_workers)


def firm_productivity(w: Context) -> np.ndarray:
    """Units per worker per tick: lambda times any active productivity-shock factor (>= 1)."""
    return np.maximum(1, np.rint(w.cfg.productivity * w.s.f.lam)).astype(np.int64)
