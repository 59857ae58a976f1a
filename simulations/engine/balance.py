"""Per-agent balance-sheet snapshots, in integer cents."""

from __future__ import annotations

from .context import Context
from .errors import ConfigError


def balance_sheet(ctx: Context, ref: tuple[str, int]) -> dict[str, int]:
    s = ctx.s
    agent_type, i = ref
    if agent_type == "household" and 0 <= i < len(s.h):
        if s.v2:
            # Equity at book value (the holder's share of its issuers' net worth) is a claim
            # that nets out against the issuers: net worth stays the ledger's (deposits, as
            # invariants.net_worth and the scores read it); wealth adds the equity.
            return {"deposits": int(s.h.dep[i]), "equity": int(s.h.equity[i]),
                    "wealth": int(s.h.dep[i] + s.h.equity[i]), "net_worth": int(s.h.dep[i])}
        return {"deposits": int(s.h.dep[i]), "net_worth": int(s.h.dep[i])}
    if agent_type == "firm" and 0 <= i < len(s.f):
        f = s.f
        sheet = {"deposits": int(f.dep[i]), "inventory_value": int(f.X[i]),
                 "inventory_units": int(f.x[i]), "loans": int(f.loans[i])}
        if s.v2:
            sheet.update(capital_value=int(f.K[i]), capital_units=int(f.k[i]),
                         shares_outstanding=int(f.shares[i]))
        sheet["net_worth"] = int(f.dep[i] + f.X[i] - f.loans[i]) + (int(f.K[i]) if s.v2 else 0)
        return sheet
    if agent_type == "bank" and 0 <= i < len(s.b):
        b = s.b
        return {"reserves": int(b.res[i]), "loans": int(b.loans[i]), "bills": int(b.bills[i]),
                "deposits": int(b.dep_liab[i]), "advances": int(b.adv[i]),
                "net_worth": int(b.res[i] + b.loans[i] + b.bills[i] - b.dep_liab[i]
                                 - b.adv[i]),
                **({"shares_outstanding": int(b.shares[i])} if s.v2 else {})}
    if agent_type == "central_bank" and i == 0:
        cb = s.cb
        return {"advances": int(cb.adv[0]), "bills": int(cb.bills[0]),
                "reserves": int(cb.res_liab[0]), "treasury_account": int(cb.ta_liab[0]),
                "net_worth": int(cb.adv[0] + cb.bills[0] - cb.res_liab[0] - cb.ta_liab[0])}
    if agent_type == "government" and i == 0:
        g = s.g
        return {"treasury_account": int(g.ta[0]), "bills": int(g.bills[0]),
                "net_worth": int(g.ta[0] - g.bills[0])}
    raise ConfigError("agent_ref", f"unknown agent {agent_type}:{i}")
