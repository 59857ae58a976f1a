"""Aggregates of a tick and the public data scripts see at t+1."""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import Context

SIM_UNIT = 1_000_000

# The aggregates that are money, in integer cents (the others are counts, units, rates or
# prices per unit): pages format these as currency.
MONEY_AGGREGATES = frozenset({
    "gdp", "consumption", "government_spending", "taxes", "disposable_income",
    "household_deposits", "firm_deposits", "deposits", "avg_wage", "inventory_value", "loans",
    "new_loans", "government_debt", "government_deficit", "treasury_account", "cb_bills",
    "reserves", "advances", "bank_net_worth", "firm_profits", "dividends",
    "investment", "capital_value", "depreciation", "equity_value",
})

# Model v2 only: published by v2 worlds (a v1 world's aggregates are unchanged).
V2_AGGREGATES = ("investment", "investment_units", "capital_units", "capital_value",
                 "depreciation", "utilisation", "capital_price", "equity_value")


# Figures scripts also see as public data (of t-1), under the same name.
SHARED_WITH_PUBLIC = ("cpi", "avg_wage", "unemployment_rate", "vacancy_rate", "gdp", "gdp_real",
                      "inflation_tick", "inflation_4t", "government_deficit", "government_debt",
                      "loans", "bankruptcies")


def publish(w: Context) -> dict[str, Any]:
    """Compute the aggregates of the tick just finished and store them as public data."""
    s, cfg = w.s, w.cfg
    h, f, b, g, cb = s.h, s.f, s.b, s.g, s.cb
    sold = int(f.sales.sum())
    revenue = int(f.revenue.sum())
    employed = h.employer >= 0
    n_emp = int(employed.sum())
    participants = int(h.participate.sum())
    u_rate = 0.0 if w.sim or participants == 0 else 1.0 - n_emp / participants
    # Tick 0 has expected but no actual sales: fall back to the posted prices.
    cpi = (revenue / sold) if sold > 0 and revenue > 0 else float(f.price.mean())
    if cfg.v2 and not w.sim:  # the CPI is over consumption goods only
        cons = f.sector == 0
        c_sold, c_rev = int(f.sales[cons].sum()), int(f.revenue[cons].sum())
        cpi = c_rev / c_sold if c_sold > 0 and c_rev > 0 else float(f.price[cons].mean())
    avg_wage = round(float(h.wage[employed].mean())) if n_emp else int(f.wage.mean())
    vacancies = int(f.vacancies.sum())
    prev_cpi = s.history["cpi"][-1] if s.history["cpi"] else cpi
    tpy = cfg.ticks_per_year
    cpi_4 = s.history["cpi"][-tpy] if len(s.history["cpi"]) >= tpy else prev_cpi
    wages_hist = s.history["avg_wage"]
    wage_4 = wages_hist[-tpy] if len(wages_hist) >= tpy else avg_wage
    loans = int(b.loans.sum())
    deposits = int(h.dep.sum()) + int(f.dep.sum())
    nw_b = b.res + b.loans + b.bills - b.dep_liab - b.adv
    consumption = int(h.consumption.sum())
    gov_spend = int(g.spending[0])
    # Loan- and deposit-weighted averages of the banks' rates (plain means when nothing is
    # lent or deposited): archived per tick and public to scripts as avg_i_L / avg_i_D.
    loans_f = b.loans.astype(np.float64)
    deps = b.dep_liab.astype(np.float64)
    tot_l, tot_d = float(loans_f.sum()), float(deps.sum())
    avg_loan_rate = float((b.i_l * loans_f).sum() / tot_l) if tot_l else float(b.i_l.mean())
    avg_deposit_rate = float((b.i_d * deps).sum() / tot_d) if tot_d else float(b.i_d.mean())
    taxes = int(h.tax_paid.sum()) + int(f.tax.sum()) + int(b.tax.sum())
    agg: dict[str, Any] = {
        "tick": s.tick,
        "gdp": revenue,
        "gdp_real": sold,
        "consumption": consumption,
        "government_spending": gov_spend,
        "taxes": taxes,
        "disposable_income": int(h.yd.sum()),
        "household_deposits": int(h.dep.sum()),
        "firm_deposits": int(f.dep.sum()),
        "deposits": deposits,
        "cpi": cpi,
        "inflation_tick": cpi / prev_cpi - 1.0 if prev_cpi else 0.0,
        "inflation_4t": cpi / cpi_4 - 1.0 if cpi_4 else 0.0,
        "wage_inflation_4t": avg_wage / wage_4 - 1.0 if wage_4 else 0.0,
        "avg_wage": avg_wage,
        "employment": n_emp,
        "participants": participants,
        "unemployment_rate": u_rate,
        "vacancies": vacancies,
        "vacancy_rate": vacancies / max(participants, 1),
        "production": int(f.production.sum()),
        "inventories": int(f.x.sum()),
        "inventory_value": int(f.X.sum()),
        "loans": loans,
        "new_loans": int(b.new_lending.sum()),
        "bankruptcies": w.handoffs.bankruptcies,
        "bank_failures": w.handoffs.bank_failures,
        "government_debt": int(g.bills[0]),
        "government_deficit": gov_spend + int(g.benefits[0]) + int(g.interest[0])
        + int(h.inc_transfer.sum()) - taxes - max(int(cb.profit[0]), 0),
        "treasury_account": int(g.ta[0]),
        "cb_bills": int(cb.bills[0]),
        "reserves": int(b.res.sum()),
        "advances": int(b.adv.sum()),
        "bank_net_worth": int(nw_b.sum()),
        "firm_profits": int(f.profit.sum()),
        "dividends": int(f.dividends.sum()) + int(b.dividends.sum()),
        "policy_rate": float(cb.i_cb[0]),
        "avg_loan_rate": avg_loan_rate,
        "avg_deposit_rate": avg_deposit_rate,
        "avg_price": float(f.price.mean()),
    }
    v2 = cfg.v2 and not w.sim  # SIM mode has no capital sector in either version
    if v2:
        agg.update(_v2(w))
    s.public.update({key: agg[key] for key in SHARED_WITH_PUBLIC})
    if v2:
        s.public.update({key: agg[key] for key in V2_PUBLIC})
    s.public.update({
        "i_cb": float(cb.i_cb[0]), "i_R": float(cb.i_r[0]),
        "avg_i_L": avg_loan_rate, "avg_i_D": avg_deposit_rate,
        "i_B": float(cb.i_cb[0]), "income_tax": float(g.income_tax[0]),
        "profit_tax": float(g.profit_tax[0]),
        "benefit": (avg_wage * round(float(g.benefit_ratio[0]) * 1e6)) // 1_000_000,
        "cr_target": float(nw_b.sum()) / tot_l if tot_l else cfg.cr_target0,
        "lr_target": float(b.res.sum()) / tot_d if tot_d else cfg.lr_target0,
        "avg_demand": float(f.demand.mean()),
    })
    s.history["cpi"].append(cpi)
    s.history["u"].append(u_rate)
    s.history["avg_wage"].append(avg_wage)
    # The rules only look back ticks_per_year ticks: keep the history bounded.
    for key in s.history:
        del s.history[key][: -max(2 * tpy, 8)]
    return agg


V2_PUBLIC = ("investment", "capital_value", "utilisation", "capital_price")


def _v2(w: Context) -> dict[str, Any]:
    """Capital, investment and equity figures of a v2 world."""
    f, h = w.s.f, w.s.h
    cons = f.sector == 0
    kf = f.sector == 1
    cap = np.where(cons, f.k // w.cfg.capital_per_worker, 0)
    return {
        "investment": int(f.investment.sum()),
        "investment_units": int(f.inv_units.sum()),
        "capital_units": int(f.k.sum()),
        "capital_value": int(f.K.sum()),
        "depreciation": int(f.depreciation.sum()),
        "utilisation": float(f.workers[cons].sum() / max(int(cap.sum()), 1)),
        "capital_price": float(f.price[kf].mean()) if kf.any() else 0.0,
        "equity_value": int(h.equity.sum()),
    }


def sim_units(agg: dict[str, Any]) -> dict[str, Any]:
    """The SIM-model view of the aggregates (floats in SIM units = cents / 10^6)."""
    return {
        "tick": agg["tick"],
        "output": agg["gdp"] / SIM_UNIT,
        "consumption": agg["consumption"] / SIM_UNIT,
        "government": agg["government_spending"] / SIM_UNIT,
        "taxes": agg["taxes"] / SIM_UNIT,
        "disposable_income": agg["disposable_income"] / SIM_UNIT,
        "household_money": agg["household_deposits"] / SIM_UNIT,
        "government_debt": agg["government_debt"] / SIM_UNIT,
    }
