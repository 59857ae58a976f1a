"""Accounting invariants I1-I9 (docs/economic-model.md): exact integer checks that raise
InvariantViolation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .context import Context
from .errors import InvariantViolation
from .ledger import ACCT_SECTOR, Acct, TransactionKind
from .state import State
from .vocabulary import AGENT_TYPES

MONEY_KINDS = frozenset({
    "LOAN_DRAW", "LOAN_PRINCIPAL", "LOAN_INTEREST", "DEPOSIT_INTEREST", "DEPOSIT_INTEREST_F",
    "BANK_DIVIDEND", "BAIL_IN", "BAIL_IN_F", "GOV_PURCHASE", "BENEFIT",
    "GOV_TRANSFER", "GOV_LEVY", "TAX_H", "TAX_F",
})
SECTORS = AGENT_TYPES  # the transactions-flow matrix has one column per agent type


def capital_value(s: State) -> np.ndarray | int:
    """Firms' capital at book value (model v2); 0 in a v1 world, which has no capital."""
    return s.f.K if s.v2 else 0


def real_assets(s: State) -> int:
    """Inventories plus capital at book value: what the sectors' net worths add up to (I4)."""
    return int(s.f.X.sum()) + (int(s.f.K.sum()) if s.v2 else 0)


def firm_net_worth(s: State) -> np.ndarray:
    return s.f.dep + s.f.X + capital_value(s) - s.f.loans


def net_worth(s: State) -> dict[str, np.ndarray]:
    """NW per agent, derived from the balance sheet (never stored). Equity is a claim of
    households on firms and banks that nets out, so it is left out of both sides here; the
    equity matrix of the audit shows it."""
    return {
        "household": s.h.dep.copy(),
        "firm": firm_net_worth(s),
        "bank": s.b.res + s.b.loans + s.b.bills - s.b.dep_liab - s.b.adv,
        "central_bank": s.cb.adv + s.cb.bills - s.cb.res_liab - s.cb.ta_liab,
        "government": s.g.ta - s.g.bills,
    }


@dataclass
class Snapshot:
    nw: dict[str, np.ndarray]
    money: int
    base: int
    adv: int
    bills_cb: int
    units: int
    batch_index: int
    capital_units: int = 0


def snapshot(w: Context) -> Snapshot:
    s = w.s
    return Snapshot(net_worth(s), int(s.h.dep.sum()) + int(s.f.dep.sum()),
                    int(s.cb.res_liab[0]) + int(s.g.ta[0]), int(s.cb.adv[0]),
                    int(s.cb.bills[0]), int(s.f.x.sum()), len(w.ledger.batches),
                    int(s.f.k.sum()) if s.v2 else 0)


def _fail(inv: str, detail: str, agents: tuple = (), amounts: tuple = ()) -> None:
    raise InvariantViolation(inv, detail, agents, amounts)


def check_stocks(w: Context) -> None:
    """I1-I4: balance-sheet consistency at any point between phases."""
    s = w.s
    h, f, b, cb, g, L = s.h, s.f, s.b, s.cb, s.g, s.loans
    n_b = len(b)
    held = np.zeros(n_b, dtype=np.int64)
    np.add.at(held, h.bank, h.dep)
    np.add.at(held, f.bank, f.dep)
    bad = np.flatnonzero(held != b.dep_liab)
    if len(bad):
        i = int(bad[0])
        _fail("I1", "deposits held at a bank differ from its deposit liability",
              (f"bank:{i}",), (int(held[i]), int(b.dep_liab[i])))
    by_bank = np.zeros(n_b, dtype=np.int64)
    np.add.at(by_bank, L.bank, L.principal)
    by_firm = np.zeros(len(f), dtype=np.int64)
    np.add.at(by_firm, L.firm, L.principal)
    if (L.principal < 0).any():
        i = int(np.flatnonzero(L.principal < 0)[0])
        _fail("I2", "negative loan principal", (f"firm:{int(L.firm[i])}",),
              (int(L.principal[i]),))
    for name, got, want in (("bank", by_bank, b.loans), ("firm", by_firm, f.loans)):
        bad = np.flatnonzero(got != want)
        if len(bad):
            i = int(bad[0])
            _fail("I2", f"loan contracts differ from the {name}'s loan book",
                  (f"{name}:{i}",), (int(got[i]), int(want[i])))
    checks = (
        ("reserves", int(b.res.sum()), int(cb.res_liab[0])),
        ("advances", int(b.adv.sum()), int(cb.adv[0])),
        ("bills", int(g.bills[0]), int(b.bills.sum()) + int(cb.bills[0])),
        ("treasury account", int(g.ta[0]), int(cb.ta_liab[0])),
    )
    for what, lhs, rhs in checks:
        if lhs != rhs:
            _fail("I3", f"{what} do not match across holder and issuer",
                  ("central_bank:0",), (lhs, rhs))
    total_nw = sum(int(v.sum()) for v in net_worth(s).values())
    if total_nw != real_assets(s):
        _fail("I4", "sum of net worth differs from inventories and capital at book value", (),
              (total_nw, real_assets(s)))
    if s.v2:
        _check_equity(s)


def _check_equity(s: State) -> None:
    """I2 for equity: the holdings of each issuer add up to its shares outstanding."""
    E = s.equity
    issued = np.concatenate([s.f.shares, s.b.shares])
    held = np.zeros(len(issued), dtype=np.int64)
    np.add.at(held, E.issuer, E.shares)
    bad = np.flatnonzero(held != issued)
    if len(bad):
        i = int(bad[0])
        _fail("I2", "equity holdings differ from the shares outstanding", (f"issuer:{i}",),
              (int(held[i]), int(issued[i])))
    if (E.shares <= 0).any():
        _fail("I2", "an equity holding is not positive", (), ())


def flow_effects(w: Context, since: int) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    """Per-agent NW change implied by the postings since batch `since`, and the TFM by kind."""
    s = w.s
    sizes = {"household": len(s.h), "firm": len(s.f), "bank": len(s.b), "central_bank": 1,
             "government": 1}
    eff = {k: np.zeros(n, dtype=np.int64) for k, n in sizes.items()}
    tfm: dict[str, dict[str, int]] = {}
    for batch in w.ledger.batches[since:]:
        spec = batch.kind.value
        row = tfm.setdefault(batch.kind.name, dict.fromkeys(SECTORS, 0))
        for acct, ids, sign in ((spec.src, batch.src, spec.nw[0]), (spec.dst, batch.dst,
                                                                        spec.nw[1])):
            if sign == 0:
                continue
            sector = ACCT_SECTOR[acct]
            np.add.at(eff[sector], ids, sign * batch.amount)
            row[sector] += sign * int(batch.amount.sum())
    return eff, tfm


_REAL_KINDS = {"INVENTORY_ADD", "INVENTORY_COGS", "INVENTORY_SPOILAGE", "INVENTORY_HAIRCUT",
               "CAPITAL_ADD", "CAPITAL_DEPRECIATION", "CAPITAL_HAIRCUT"}


def check_flows(w: Context, snap: Snapshot) -> dict[str, Any]:
    """I5 money channels and I6 TFM closure / flow-stock consistency since the snapshot."""
    s = w.s
    eff, tfm = flow_effects(w, snap.batch_index)
    nw = net_worth(s)
    for sector in SECTORS:
        delta = nw[sector] - snap.nw[sector]
        bad = np.flatnonzero(delta != eff[sector])
        if len(bad):
            i = int(bad[0])
            _fail("I6", "net-worth change differs from saving plus revaluations",
                  (f"{sector}:{i}",), (int(delta[i]), int(eff[sector][i])))
    for kind, row in tfm.items():
        if kind not in _REAL_KINDS and sum(row.values()) != 0:
            _fail("I6", f"TFM row {kind} does not sum to zero", (), tuple(row.values()))
    predicted = 0
    for batch in w.ledger.batches[snap.batch_index:]:
        eff_m = batch.kind.money_effect
        if eff_m and batch.kind.name not in MONEY_KINDS:
            _fail("I5", f"{batch.kind.name} changed the money stock", (), (eff_m,))
        predicted += eff_m * int(batch.amount.sum())
    money = int(s.h.dep.sum()) + int(s.f.dep.sum())
    if money - snap.money != predicted:
        _fail("I5", "change in deposits differs from the logged money channels", (),
              (money - snap.money, predicted))
    base = int(s.cb.res_liab[0]) + int(s.g.ta[0])
    d_cb = (int(s.cb.adv[0]) - snap.adv) + (int(s.cb.bills[0]) - snap.bills_cb)
    if base - snap.base != d_cb:
        _fail("I5", "base money moved without the CB balance sheet", ("central_bank:0",),
              (base - snap.base, d_cb))
    sector_cols = {sec: sum(row[sec] for row in tfm.values()) for sec in SECTORS}
    return {"tfm": tfm, "sector_saving": sector_cols}


def check_end(w: Context, snap: Snapshot) -> None:
    """I7 goods, I8 non-negativity, I9 labour, and NW_cb == 0: only at the end of a tick."""
    s = w.s
    h, f, b, g, cb = s.h, s.f, s.b, s.g, s.cb
    u = w.handoffs.units
    want = (snap.units + u.production - u.households - u.government - u.write_offs
            - u.capital_installed)
    if int(f.x.sum()) != want:
        _fail("I7", "inventory units do not add up", (), (int(f.x.sum()), want))
    if s.v2:
        want_k = snap.capital_units + u.capital_installed - u.capital_scrapped
        if int(f.k.sum()) != want_k:
            _fail("I7", "capital units do not add up", (), (int(f.k.sum()), want_k))
        for name, arr in (("capital units", f.k), ("capital value", f.K)):
            if (arr < 0).any():
                i = int(np.flatnonzero(arr < 0)[0])
                _fail("I8", f"negative {name} at end of tick", (f"firm:{i}",), (int(arr[i]),))
    for name, arr, who in (("deposit", h.dep, "household"), ("deposit", f.dep, "firm"),
                           ("reserves", b.res, "bank"), ("inventory", f.x, "firm"),
                           ("book value", f.X, "firm"), ("loans", f.loans, "firm"),
                           ("bills", b.bills, "bank"), ("advances", b.adv, "bank")):
        bad = np.flatnonzero(arr < 0)
        if len(bad):
            i = int(bad[0])
            _fail("I8", f"negative {name} at end of tick", (f"{who}:{i}",), (int(arr[i]),))
    if (f.price < 1).any():
        i = int(np.flatnonzero(f.price < 1)[0])
        _fail("I8", "price below 1 cent", (f"firm:{i}",), (int(f.price[i]),))
    if int(g.ta[0]) < 0:
        _fail("I8", "Treasury overdraft not cleared", ("government:0",), (int(g.ta[0]),))
    cb_nw = int(cb.adv[0] + cb.bills[0] - cb.res_liab[0] - cb.ta_liab[0])
    if cb_nw != 0:
        _fail("I4", "central bank net worth is not zero after remittance", ("central_bank:0",),
              (cb_nw,))
    emp = h.employer
    if ((emp < -1) | (emp >= len(f))).any():
        i = int(np.flatnonzero((emp < -1) | (emp >= len(f)))[0])
        _fail("I9", "employer id out of range", (f"household:{i}",), (int(emp[i]),))
    if int((emp >= 0).sum()) > int(h.participate.sum()) and not w.sim:
        _fail("I9", "more employed than participants", (),
              (int((emp >= 0).sum()), int(h.participate.sum())))
    paid = sum(int(x.amount.sum()) for x in w.ledger.batches
               if x.kind is TransactionKind.WAGE and x.phase == "P5")
    expected = w.handoffs.wage_bill_expected
    if expected is not None and paid != expected:
        _fail("I9", "wage bill paid differs from sum of w_j * N_j", (), (paid, expected))


__all__ = ["Acct", "Snapshot", "check_end", "check_flows", "check_stocks", "net_worth",
           "snapshot"]
