"""Script observations: {tick, own, public, rng_seed}, every value from t-1, JSON-safe."""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import Context
from .invariants import firm_net_worth
from .money import PPM, ceil_ppm, to_ppm
from .observation_schema import PUBLIC_FIELDS
from .rng import script_seed

# The scalar public figures, as the schema lists them (the posted lists are built below).
_SCALARS = tuple(f for f in PUBLIC_FIELDS if not f.type.startswith("list"))
PUBLIC_KEYS = tuple(f.name for f in _SCALARS)
_INT_PUBLIC = frozenset(f.name for f in _SCALARS if f.type == "int")


def public_data(ctx: Context) -> dict[str, Any]:
    s = ctx.s
    pub = {k: (int(s.public.get(k, 0)) if k in _INT_PUBLIC else float(s.public.get(k, 0.0)))
           for k in PUBLIC_KEYS}
    f, b = s.f, s.b
    pub["firm_posted"] = [[i, int(p), int(w), int(v)] for i, (p, w, v) in
                          enumerate(zip(f.price.tolist(), f.wage.tolist(),
                                        f.vacancies.tolist(), strict=True))]
    pub["bank_posted"] = [[i, float(il), float(idd)] for i, (il, idd) in
                          enumerate(zip(b.i_l.tolist(), b.i_d.tolist(), strict=True))]
    return pub


def build(ctx: Context, refs: list[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    """One observation per agent ref, in sorted order; public data is shared (built once)."""
    pub = public_data(ctx)
    tick = ctx.s.tick + 1
    out: dict[tuple[str, int], dict[str, Any]] = {}
    builders = {"household": _household, "firm": _firm, "bank": _bank,
                "central_bank": _central_bank, "government": _government}
    for agent_type, agent_id in sorted(refs):
        out[(agent_type, agent_id)] = {
            "tick": tick, "own": builders[agent_type](ctx, agent_id), "public": pub,
            "rng_seed": script_seed(ctx.seed, tick, agent_type, agent_id),
        }
    return out


def _household(ctx: Context, i: int) -> dict[str, Any]:
    h, t = ctx.s.h, ctx.s.tick
    hist = int(h.unemp_hist[i])
    emp = int(h.employer[i])
    return {
        "id": i, "bank_id": int(h.bank[i]), "deposits": int(h.dep[i]),
        "employer_id": emp if emp >= 0 else None, "wage": int(h.wage[i]) if emp >= 0 else 0,
        "reservation_wage": round(float(h.res_wage[i])),
        "participating": bool(h.participate[i]),
        "unemployed_ticks_4": bin(hist & 0xF).count("1"),
        "preferred_seller_id": int(h.pref_seller[i]),
        "expected_income": round(float(h.yd_e[i])),
        "wage_income": int(h.inc_wage[i]), "benefits": int(h.inc_benefit[i]),
        "transfers": int(h.inc_transfer[i]), "deposit_interest": int(h.inc_interest[i]),
        "dividends": int(h.inc_div[i]), "income_tax_paid": int(h.tax_paid[i]),
        "disposable_income": int(h.yd[i]), "consumption": int(h.consumption[i]),
        "units_bought": int(h.units_bought[i]),
        "health_shock": bool(h.health_until[i] > t + 1),
        "preference_factor": float(h.kappa[i]) if h.kappa_until[i] > t + 1 else 1.0,
        **_household_v2(ctx, i),
    }


def _household_v2(ctx: Context, i: int) -> dict[str, Any]:
    s = ctx.s
    if not s.v2 or ctx.sim:
        return {"skill": 1.0, "saving_propensity": round(1.0 - ctx.cfg.alpha1, 12),
                "equity_value": 0, "equity_holdings": []}
    E = s.equity
    rows = np.flatnonzero(E.holder == i)
    return {"skill": int(s.h.skill[i]) / PPM, "saving_propensity": 1.0 - float(s.h.alpha1[i]),
            "equity_value": int(s.h.equity[i]),
            "equity_holdings": sorted([int(E.issuer[r]), int(E.shares[r])] for r in rows)}


def _firm(ctx: Context, j: int) -> dict[str, Any]:
    s = ctx.s
    f, L = s.f, s.loans
    lam = max(1, round(ctx.cfg.productivity * float(f.lam[j])))
    rows = np.flatnonzero(L.firm == j).tolist()
    tpy = ctx.cfg.ticks_per_year
    return {
        "id": j, "bank_id": int(f.bank[j]), "deposits": int(f.dep[j]),
        "loans": int(f.loans[j]), "inventory_units": int(f.x[j]),
        "inventory_value": int(f.X[j]), "net_worth": int(firm_net_worth(s)[j]),
        "price": int(f.price[j]), "wage_offer": int(f.wage[j]), "markup": float(f.mu[j]),
        "productivity": lam, "workers": int(f.workers[j]),
        "worker_ids": np.flatnonzero(s.h.employer == j).tolist(),
        "vacancies": int(f.vacancies[j]), "ticks_since_vacancy": int(f.no_vac_ticks[j]),
        "expected_demand": float(f.s_e[j]), "output": int(f.production[j]),
        "sales_units": int(f.sales[j]), "unmet_demand": int(f.unmet[j]),
        "revenue": int(f.revenue[j]), "wage_bill": int(f.wage_bill[j]), "cogs": int(f.cogs[j]),
        "loan_interest": int(f.loan_interest[j]), "deposit_interest": int(f.dep_interest[j]),
        "profit": int(f.profit[j]), "profit_tax_paid": int(f.tax[j]),
        "dividends": int(f.dividends[j]),
        "loan_contracts": [_contract(L, r, "bank_id", "bank", tpy) for r in rows],
        "age": int(f.age[j]), "defaulted": bool(f.default[j]),
        "productivity_factor": float(f.lam[j]),
        **_firm_v2(ctx, j),
    }


def _firm_v2(ctx: Context, j: int) -> dict[str, Any]:
    s = ctx.s
    if not s.v2 or ctx.sim:
        return {"sector": 0, "capital_units": 0, "capital_value": 0,
                "capacity_workers": None, "utilisation": 0.0, "investment_units": 0,
                "investment": 0, "depreciation": 0, "shares_outstanding": 0}
    f = s.f
    cons = int(f.sector[j]) == 0
    return {"sector": int(f.sector[j]), "capital_units": int(f.k[j]),
            "capital_value": int(f.K[j]),
            "capacity_workers": int(f.k[j]) // ctx.cfg.capital_per_worker if cons else None,
            "utilisation": float(f.util[j]), "investment_units": int(f.inv_units[j]),
            "investment": int(f.investment[j]), "depreciation": int(f.depreciation[j]),
            "shares_outstanding": int(f.shares[j])}


def _contract(L: Any, r: int, id_key: str, col: str, tpy: int) -> dict[str, Any]:
    tick_rate = int(L.rate_ppm[r]) / 1_000_000
    return {id_key: int(getattr(L, col)[r]), "principal": int(L.principal[r]),
            "rate": (1 + tick_rate) ** tpy - 1, "origination_tick": int(L.origin[r]),
            "instalment": int(L.instalment[r])}


def _bank(ctx: Context, k: int) -> dict[str, Any]:
    s, cfg = ctx.s, ctx.cfg
    b, L = s.b, s.loans
    nw = int(b.res[k] + b.loans[k] + b.bills[k] - b.dep_liab[k] - b.adv[k])
    rows = np.flatnonzero(L.bank == k).tolist()
    return {
        "id": k, "reserves": int(b.res[k]), "bills": int(b.bills[k]), "loans": int(b.loans[k]),
        "deposits": int(b.dep_liab[k]), "advances": int(b.adv[k]), "net_worth": nw,
        "loan_rate": float(b.i_l[k]), "deposit_rate": float(b.i_d[k]),
        "capital_ratio": nw / int(b.loans[k]) if b.loans[k] > 0 else None,
        "liquidity_ratio": int(b.res[k]) / int(b.dep_liab[k]) if b.dep_liab[k] > 0 else None,
        "capital_ratio_target": float(s.public.get("cr_target", cfg.cr_target0)),
        "liquidity_ratio_target": float(s.public.get("lr_target", cfg.lr_target0)),
        "excess_reserves": max(0, int(b.res[k]) - ceil_ppm(int(b.dep_liab[k]),
                                                           to_ppm(cfg.lr_target0))),
        "borrowers": len(set(L.firm[rows].tolist())),
        "depositors": int((s.h.bank == k).sum() + (s.f.bank == k).sum()),
        "interest_received": int(b.interest_in[k]), "interest_paid": int(b.interest_out[k]),
        "new_loans": int(b.new_lending[k]), "write_offs": int(b.write_offs[k]),
        "profit": int(b.profit[k]), "profit_tax_paid": int(b.tax[k]),
        "dividends": int(b.dividends[k]),
        "loan_contracts": [_contract(L, r, "firm_id", "firm", cfg.ticks_per_year)
                           for r in rows],
    }


def _central_bank(ctx: Context, _: int) -> dict[str, Any]:
    cb, g = ctx.s.cb, ctx.s.g
    return {"reserves": int(cb.res_liab[0]), "advances": int(cb.adv[0]),
            "bills": int(cb.bills[0]), "treasury_account": int(g.ta[0]),
            "policy_rate": float(cb.i_cb[0]), "reserve_rate": float(cb.i_r[0]),
            "profit": int(cb.profit[0])}


def _government(ctx: Context, _: int) -> dict[str, Any]:
    s = ctx.s
    g, h = s.g, s.h
    taxes = int(h.tax_paid.sum()) + int(s.f.tax.sum()) + int(s.b.tax.sum())
    return {
        "treasury_account": int(g.ta[0]), "bills_outstanding": int(g.bills[0]),
        "net_worth": int(g.ta[0] - g.bills[0]), "income_tax": float(g.income_tax[0]),
        "profit_tax": float(g.profit_tax[0]), "benefit_ratio": float(g.benefit_ratio[0]),
        "purchases_units": int(g.purchases_units[0]), "purchases": int(g.spending[0]),
        "taxes": taxes, "benefits": int(g.benefits[0]),
        "transfers": int(h.inc_transfer.sum()), "bill_interest": int(g.interest[0]),
        "cb_remittance": int(s.cb.profit[0]),
        "deficit": int(s.public.get("government_deficit", 0)),
        "unemployed": int((((h.employer < 0) & h.participate) | (h.endow == 0)).sum()),
    }
