"""P5: production y = lambda*N; wages paid now, income tax withheld, wage bill capitalised."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..ledger import Acct, TransactionKind
from ..money import PPM, apply_ppm, to_ppm
from ..vocabulary import FIRM, HOUSEHOLD
from . import capital
from .plans import firm_productivity


def run(w: Context) -> None:
    h, f = w.s.h, w.s.f
    n_f = len(f)
    workers = np.flatnonzero((h.employer >= 0) & (h.hours > 0))
    firm_of = h.employer[workers]
    pay = h.wage[workers] * h.hours[workers]
    labour = np.zeros(n_f, dtype=np.int64)
    np.add.at(labour, firm_of, h.hours[workers])
    lam = firm_productivity(w)
    f.production = (lam * labour).astype(np.int64)
    if w.cfg.v2 and not w.sim:
        # Efficiency units (skill ppm), capped by capacity for consumption-goods firms.
        eff = np.zeros(n_f, dtype=np.int64)
        np.add.at(eff, firm_of, h.skill[workers] * h.hours[workers])
        cap = np.where(f.sector == 0, capital.capacity_workers(w) * PPM, eff)
        f.production = (lam * np.minimum(eff, cap)) // PPM
    f.wage_bill = np.zeros(n_f, dtype=np.int64)
    np.add.at(f.wage_bill, firm_of, pay)
    h.inc_wage[:] = 0
    h.inc_wage[workers] = pay
    w.post(TransactionKind.WAGE, Acct.DEP_F, Acct.DEP_H, firm_of, workers, pay)
    # Labour trades: the employer buys hours (1 unit in the full model) at the wage.
    w.handoffs.trades.record("labour", FIRM, firm_of, HOUSEHOLD, workers, h.hours[workers],
                             h.wage[workers])
    # Withholding: the wage income tax is collected when wages are paid.
    tax = apply_ppm(pay, to_ppm(float(w.s.g.income_tax[0])))
    h.tax_paid[:] = 0
    h.tax_paid[workers] = tax
    w.post(TransactionKind.TAX_H, Acct.DEP_H, Acct.TA, workers, 0, tax)
    producers = np.flatnonzero(f.wage_bill > 0)
    w.post(TransactionKind.INVENTORY_ADD, Acct.INV, Acct.INV, producers, producers,
           f.wage_bill[producers])
    f.x = f.x + f.production
    w.handoffs.units.production = int(f.production.sum())
    if w.cfg.v2 and not w.sim:
        w.handoffs.wage_bill_expected = int(
            (f.wage[firm_of] * h.skill[workers] // PPM * h.hours[workers]).sum())
    else:
        w.handoffs.wage_bill_expected = int((f.wage * labour).sum())
