"""P3: the credit market: firms apply to banks, banks ration by quantity."""

from __future__ import annotations

import math

import numpy as np

from ..context import Context
from ..invariants import firm_net_worth
from ..ledger import Acct, TransactionKind
from ..money import PPM, annual_to_tick_ppm, to_ppm
from ..rng import Stream
from ..schema import BankDecision
from ..vocabulary import BANK, FIRM

NO_BANK_DECISION = BankDecision()


def run(w: Context) -> None:
    cfg, s = w.cfg, w.s
    f, b = s.f, s.b
    b.new_lending[:] = 0
    applicants = np.flatnonzero(f.credit_demand > 0)
    if len(applicants) == 0:
        return
    rng = w.rng(Stream.CREDIT)
    order = applicants[rng.permutation(len(applicants))]
    n_b = len(b)
    samples = rng.integers(0, n_b, size=(len(order), cfg.chi_l))
    switch_u = rng.random(len(order))
    # Exposure per (firm, bank) and bank balance-sheet figures, updated as loans are granted.
    exposure: dict[tuple[int, int], int] = {}
    for fid, bid, p in zip(s.loans.firm.tolist(), s.loans.bank.tolist(),
                           s.loans.principal.tolist(), strict=True):
        exposure[(fid, bid)] = exposure.get((fid, bid), 0) + p
    bank_nw = (b.res + b.loans + b.bills - b.dep_liab - b.adv).tolist()
    bank_loans = b.loans.tolist()
    firm_loans = f.loans.tolist()
    firm_nw = firm_net_worth(s).tolist()
    i_l = b.i_l.tolist()
    bank_dec = w.decisions.bank
    firm_dec = w.decisions.firm
    new_rows: dict[str, list[int]] = {"firm": [], "bank": [], "principal": [], "rate_ppm": [],
                                      "instalment": [], "remaining": [], "origin": []}
    for k, fid in enumerate(order.tolist()):
        house = int(f.bank[fid])
        preferred = firm_dec[fid].preferred_banks if fid in firm_dec else None
        if preferred is not None:
            cands = list(dict.fromkeys(int(x) for x in preferred))
        else:
            others = sorted(set(samples[k].tolist()) - {house}, key=lambda x: (i_l[x], x))
            best = others[0] if others else house
            # Keep the house bank unless the switching test passes (eps_l, Caiani).
            gap = i_l[house] - i_l[best]
            p_switch = 1 - math.exp(-cfg.eps_l * gap / max(i_l[best], 1e-4)) if gap > 0 else 0.0
            cands = [best, house] if switch_u[k] < p_switch else [house]
            cands += [x for x in others if x not in cands]
        remaining = int(f.credit_demand[fid])
        for bid in cands:
            if remaining <= 0:
                break
            grant = _grant(w, fid, bid, remaining, exposure.get((fid, bid), 0), firm_loans[fid],
                           firm_nw[fid], bank_nw[bid], bank_loans[bid],
                           int(b.new_lending[bid]), bank_dec.get(bid, NO_BANK_DECISION))
            if grant <= 0:
                continue
            remaining -= grant
            exposure[(fid, bid)] = exposure.get((fid, bid), 0) + grant
            firm_loans[fid] += grant
            bank_loans[bid] += grant
            b.new_lending[bid] += grant
            new_rows["firm"].append(fid)
            new_rows["bank"].append(bid)
            new_rows["principal"].append(grant)
            new_rows["rate_ppm"].append(annual_to_tick_ppm(i_l[bid], cfg.ticks_per_year))
            new_rows["instalment"].append(grant // cfg.eta)
            new_rows["remaining"].append(cfg.eta)
            new_rows["origin"].append(w.t)
    if new_rows["firm"]:
        rows = {k: np.asarray(v, dtype=np.int64) for k, v in new_rows.items()}
        s.loans.append(rows)
        w.post(TransactionKind.LOAN_DRAW, Acct.LOAN, Acct.DEP_F, rows["bank"], rows["firm"],
               rows["principal"])
        # Credit trades: the borrowing firm buys one loan of the drawn principal.
        w.handoffs.trades.record("credit", FIRM, rows["firm"], BANK, rows["bank"],
                                 np.ones(len(rows["firm"]), dtype=np.int64), rows["principal"])


def _grant(w: Context, fid: int, bid: int, ask: int, l_jb: int, l_j: int, nw_j: int, nw_b: int,
           loans_b: int, new_b: int, caps: BankDecision) -> int:
    """Quantity rationing: expected-loss cap, regulatory room, and the bank script's caps."""
    cfg = w.cfg
    grant = ask
    if cfg.cr_min > 0:
        grant = min(grant, nw_b * PPM // to_ppm(cfg.cr_min) - loans_b)
    lev = (l_j + ask) / max(l_j + ask + max(nw_j, 0), 1)
    if caps.max_borrower_leverage is not None and lev > caps.max_borrower_leverage:
        return 0
    if cfg.credit_rationing:
        pr = 1.0 / (1.0 + math.exp(-(cfg.b1 + cfg.b2 * lev)))
        # Expected-loss cap pr*(L_jb + dL) <= phi*NW_b, with pr in ppm (at least 1).
        pr_ppm = max(1, to_ppm(pr))
        grant = min(grant, (to_ppm(cfg.phi) * max(nw_b, 0) - pr_ppm * l_jb) // pr_ppm)
    if caps.max_loan_per_borrower_cents is not None:
        grant = min(grant, int(caps.max_loan_per_borrower_cents) - l_jb)
    if caps.max_new_lending_cents is not None:
        grant = min(grant, int(caps.max_new_lending_cents) - new_b)
    return max(0, grant)
