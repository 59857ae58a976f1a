"""World state as struct-of-arrays tables (numpy int64 for money, units and ids)."""

from __future__ import annotations

from typing import Any

import numpy as np

I64 = np.int64
F64 = np.float64

# Column layouts: name -> dtype. Money, units, ids and counters are int64; behaviour is float64.
HOUSEHOLD_COLUMNS: dict[str, Any] = {
    "dep": I64, "dep_prev": I64, "bank": I64, "employer": I64, "wage": I64, "hours": I64,
    "res_wage": F64, "participate": np.bool_, "endow": I64, "unemp_hist": I64,
    "yd": I64, "yd_e": F64, "kappa": F64, "kappa_until": I64, "health_until": I64,
    "pref_seller": I64, "inc_wage": I64, "inc_benefit": I64, "inc_interest": I64,
    "inc_div": I64, "inc_transfer": I64, "tax_paid": I64, "consumption": I64, "budget": I64,
    "units_bought": I64, "perm_income": F64,
}
FIRM_COLUMNS: dict[str, Any] = {
    "dep": I64, "dep_prev": I64, "bank": I64, "price": I64, "wage": I64, "mu": F64,
    "x": I64, "X": I64, "loans": I64, "workers": I64, "target": I64, "vacancies": I64,
    "unfilled": np.bool_, "no_vac_ticks": I64, "s_e": F64, "sales": I64, "unmet": I64,
    "demand": I64, "revenue": I64, "cogs": I64, "production": I64, "wage_bill": I64,
    "loan_interest": I64, "dep_interest": I64, "profit": I64, "tax": I64, "dividends": I64,
    "age": I64, "default": np.bool_, "lam": F64, "credit_demand": I64, "nw_prev": I64,
    "spoilage": I64, "unsold": I64,
}
BANK_COLUMNS: dict[str, Any] = {
    "res": I64, "dep_liab": I64, "loans": I64, "bills": I64, "adv": I64,
    "i_l": F64, "i_d": F64, "spread": F64, "profit": I64, "tax": I64, "dividends": I64,
    "interest_in": I64, "interest_out": I64, "new_lending": I64, "nw_prev": I64,
    "dep_prev": I64, "res_prev": I64, "adv_prev": I64, "bills_prev": I64, "failures": I64,
    "write_offs": I64,
}
CB_COLUMNS: dict[str, Any] = {
    "res_liab": I64, "ta_liab": I64, "bills": I64, "adv": I64, "i_cb": F64, "i_r": F64,
    "i_a": F64, "profit": I64,
}
GOV_COLUMNS: dict[str, Any] = {
    "ta": I64, "bills": I64, "bill_rate_ppm": I64, "income_tax": F64, "profit_tax": F64,
    "benefit_ratio": F64, "purchases_units": I64, "transfer": I64, "spending": I64,
    "taxes": I64, "benefits": I64, "interest": I64,
}
# Model v2 only (a v1 world has none of these, so its state hash is unchanged).
HOUSEHOLD_COLUMNS_V2: dict[str, Any] = {
    "skill": I64,         # labour efficiency in ppm (1e6 = average): wage and output scale
    "alpha1": F64,        # own propensity to consume out of expected income
    "equity": I64,        # value of the equity held (share of issuers' book net worth), cents
}
FIRM_COLUMNS_V2: dict[str, Any] = {
    "sector": I64,        # 0 consumption goods, 1 capital goods
    "k": I64,             # capital units installed (consumption-goods firms)
    "K": I64,             # capital at book value (historical cost less depreciation), cents
    "inv_plan": I64,      # capital units the firm plans to buy this tick
    "inv_units": I64,     # capital units bought this tick
    "investment": I64,    # cents spent on capital this tick
    "depreciation": I64,  # book value written down this tick, cents
    "util": F64,          # planned labour / capacity labour of t-1
    "util_e": F64,        # its adaptive expectation (what investment plans read)
    "profit_rate": F64,   # profit / capital at book value of t-1
    "shares": I64,        # equity shares outstanding
    "supplier": I64,      # consumption firms: preferred capital-goods supplier
}
BANK_COLUMNS_V2: dict[str, Any] = {"shares": I64}
# Equity holdings: one row per (household, issuer); issuers are firms 0..F-1 then banks F+k.
EQUITY_COLUMNS: dict[str, Any] = {"holder": I64, "issuer": I64, "shares": I64}

LOAN_COLUMNS: dict[str, Any] = {
    "firm": I64, "bank": I64, "principal": I64, "rate_ppm": I64, "instalment": I64,
    "remaining": I64, "origin": I64,
}


class Table:
    """Named equal-length columns; attribute access returns the live numpy array."""

    __slots__ = ("cols", "layout")

    def __init__(self, layout: dict[str, Any], n: int) -> None:
        self.layout = layout
        self.cols = {name: np.zeros(n, dtype=dt) for name, dt in layout.items()}

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.cols[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Table.__slots__:
            object.__setattr__(self, name, value)
            return
        if name not in self.layout:
            raise AttributeError(f"no column {name}")
        arr = np.asarray(value, dtype=self.layout[name])
        if arr.shape != self.cols[name].shape:
            raise ValueError(f"column {name}: shape {arr.shape} != {self.cols[name].shape}")
        self.cols[name] = arr if arr is self.cols[name] else arr.copy()

    def __len__(self) -> int:
        return len(next(iter(self.cols.values())))

    def append(self, rows: dict[str, np.ndarray]) -> None:
        """Append rows (used by the loan table); missing columns get zeros."""
        k = len(next(iter(rows.values())))
        for name, dt in self.layout.items():
            extra = np.asarray(rows.get(name, np.zeros(k)), dtype=dt)
            self.cols[name] = np.concatenate([self.cols[name], extra])

    def keep(self, mask: np.ndarray) -> None:
        for name in self.layout:
            self.cols[name] = self.cols[name][mask]


class State:
    """Every table of a world plus its scalar bookkeeping (tick, public data of t-1)."""

    def __init__(self, n_h: int, n_f: int, n_b: int, v2: bool = False) -> None:
        self.tick = 0
        self.v2 = v2
        self.h = Table(HOUSEHOLD_COLUMNS | (HOUSEHOLD_COLUMNS_V2 if v2 else {}), n_h)
        self.f = Table(FIRM_COLUMNS | (FIRM_COLUMNS_V2 if v2 else {}), n_f)
        self.b = Table(BANK_COLUMNS | (BANK_COLUMNS_V2 if v2 else {}), n_b)
        self.cb = Table(CB_COLUMNS, 1)
        self.g = Table(GOV_COLUMNS, 1)
        self.loans = Table(LOAN_COLUMNS, 0)
        self.equity = Table(EQUITY_COLUMNS, 0)
        # Public data of t-1 as plain JSON-able numbers (see aggregates.public_data).
        self.public: dict[str, Any] = {}
        # Aggregate history the rules need (CPI path for inflation, unemployment).
        self.history: dict[str, list] = {"cpi": [], "u": [], "avg_wage": []}
        # Admin shocks: list of dicts (validated in shocks.py), active ones persist across ticks.
        self.shocks: list[dict[str, Any]] = []
        self.policy_overrides: dict[str, float] = {}
        self.bankruptcies_total = 0
        self.bank_failures_total = 0

    def tables(self) -> dict[str, Table]:
        tables = {"h": self.h, "f": self.f, "b": self.b, "cb": self.cb, "g": self.g,
                  "loans": self.loans}
        if self.v2:
            tables["equity"] = self.equity
        return tables
