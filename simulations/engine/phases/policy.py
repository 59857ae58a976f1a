"""P1: the central bank, the government and the banks set their instruments."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, TypeVar

import numpy as np

from ..context import Context
from ..money import isum
from ..rng import Stream, folded_normal
from ..schema import CentralBankDecision, GovernmentDecision

T = TypeVar("T", CentralBankDecision, GovernmentDecision)


def with_overrides(record: T, overrides: dict[str, Any]) -> T:
    """The decision with the admin's policy overrides on top (they win over the script)."""
    names = {f.name for f in fields(record)}
    return replace(record, **{k: v for k, v in overrides.items() if k in names})


def run(w: Context) -> None:
    _central_bank(w)
    _government(w)
    _banks(w)


def _central_bank(w: Context) -> None:
    cfg, cb = w.cfg, w.s.cb
    if cfg.policy_rule == "taylor" and len(w.s.history["cpi"]) > cfg.ticks_per_year:
        cpi = w.s.history["cpi"]
        infl = cpi[-1] / cpi[-1 - cfg.ticks_per_year] - 1.0
        u = w.s.history["u"][-1]
        rule = max(0.0, cfg.taylor_r_star + infl + cfg.taylor_phi_pi * (infl - cfg.taylor_pi_star)
                   - cfg.taylor_phi_u * (u - cfg.taylor_u_star))
        i_cb = min(0.25, 0.8 * float(cb.i_cb[0]) + 0.2 * rule)
    else:
        i_cb = cfg.policy_rate
    i_r = min(cfg.reserve_rate, i_cb)
    chosen = with_overrides(w.decisions.central_bank.get(0, CentralBankDecision()),
                            w.s.policy_overrides)
    if chosen.policy_rate is not None:
        i_cb = float(chosen.policy_rate)
        i_r = min(i_r, i_cb)
    if chosen.reserve_rate is not None:
        i_r = min(float(chosen.reserve_rate), i_cb)
    cb.i_cb[0], cb.i_r[0], cb.i_a[0] = i_cb, i_r, i_cb


def _government(w: Context) -> None:
    cfg, g = w.cfg, w.s.g
    g.income_tax[0] = cfg.income_tax
    g.profit_tax[0] = cfg.profit_tax
    g.benefit_ratio[0] = cfg.benefit_ratio
    if w.sim:
        # 1 SIM unit = 10^6 cents and p = 1 c, so G in units is G in SIM units times 10^6.
        g.purchases_units[0] = round(cfg.government_spending * 1_000_000)
    else:
        g.purchases_units[0] = int(w.s.public.get("g_base_units", 0))
    g.transfer[0] = 0
    chosen = with_overrides(w.decisions.government.get(0, GovernmentDecision()),
                            w.s.policy_overrides)
    if chosen.income_tax is not None:
        g.income_tax[0] = chosen.income_tax
    if chosen.profit_tax is not None:
        g.profit_tax[0] = chosen.profit_tax
    if chosen.benefit_ratio is not None:
        g.benefit_ratio[0] = chosen.benefit_ratio
    if chosen.purchases_units is not None:
        g.purchases_units[0] = int(chosen.purchases_units)
    if chosen.transfer_per_household_cents is not None:
        g.transfer[0] = int(chosen.transfer_per_household_cents)


def _banks(w: Context) -> None:
    """Spreads anchored to the policy rate; deposit rates by liquidity (Caiani 3.12, 3.14)."""
    cfg, b, i_cb = w.cfg, w.s.b, float(w.s.cb.i_cb[0])
    if w.sim:
        b.spread[:] = 0.0
        b.i_l[:] = 0.0
        b.i_d[:] = 0.0
    else:
        rng = w.rng(Stream.BANK_RATES)
        n = len(b)
        loans = b.loans.astype(np.float64)
        tot_loans = isum(b.loans)
        s_bar = (float((b.spread * loans).sum()) / tot_loans) if tot_loans > 0 \
            else float(b.spread.mean())
        nw = (b.res + b.loans + b.bills - b.dep_liab - b.adv).astype(np.float64)
        cr = np.where(loans > 0, nw / np.maximum(loans, 1.0), np.inf)
        cr_t = w.s.public.get("cr_target", cfg.cr_target0)
        fn = folded_normal(rng, cfg.fn_sigma, n)
        b.spread = np.where(cr < cr_t, s_bar * (1 + fn), s_bar * (1 - fn))
        b.i_l = i_cb + b.spread
        deps = b.dep_liab.astype(np.float64)
        tot_dep = float(deps.sum())
        id_bar = float((b.i_d * deps).sum()) / tot_dep if tot_dep > 0 else float(b.i_d.mean())
        lr = np.where(deps > 0, b.res / np.maximum(deps, 1.0), np.inf)
        lr_t = w.s.public.get("lr_target", cfg.lr_target0)
        fn2 = folded_normal(rng, cfg.fn_sigma, n)
        # Capped below i_cb at the rate a bank holding LR^T_0 in unpaid reserves and the rest in
        # bills can afford: with the model's [0, i_cb] bound the deposit rate random-walks up
        # to i_cb and every bank then loses money on each deposit.
        cap = i_cb * (1.0 - cfg.lr_target0)
        b.i_d = np.clip(np.where(lr >= lr_t, id_bar * (1 - fn2), id_bar * (1 + fn2)), 0.0, cap)
    for bid, d in sorted(w.decisions.bank.items()):
        if d.loan_rate is not None:
            b.i_l[bid] = d.loan_rate
        if d.deposit_rate is not None:
            b.i_d[bid] = min(float(d.deposit_rate), float(b.i_l[bid]))
