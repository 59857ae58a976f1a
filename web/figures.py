"""The one table of figures people read: every key the engine puts in a balance sheet, an
agent's own observation or the tick's aggregates, with its human label (translated) and its
unit kind, and how each kind is written (money as currency, shares as percent, ...).

Units come from the engine wherever it declares them: the observation schema's unit of a field
(`simulations/engine/observation_schema.py`) and the money aggregates (`MONEY_AGGREGATES`);
`AGGREGATE_UNITS` adds only the aggregates the engine gives no unit. A test
(web/tests/test_figures.py) fails when the engine shows a key that has no label or no unit.
Money is integer cents below the pages; `money` is the only place it becomes currency.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from simulations.engine.aggregates import MONEY_AGGREGATES
from simulations.engine.observation_schema import OWN_FIELDS, PUBLIC_FIELDS


class Unit(StrEnum):
    MONEY = "money"  # integer cents (or a mean of cents): currency
    PERCENT = "percent"  # a share or a rate as a fraction: 0.05 -> 5.00 %
    COUNT = "count"  # people, firms, events
    UNITS = "units"  # goods
    TICKS = "ticks"
    RATIO = "ratio"  # an index or a multiplier
    ID = "id"  # an agent's number, a tick number: no grouping
    FLAG = "flag"  # yes / no


# The observation schema's units, read as unit kinds ("" is decided by the field's type).
SCHEMA_UNITS = {
    "cents": Unit.MONEY, "cents/tick": Unit.MONEY, "cents/unit": Unit.MONEY,
    "share": Unit.PERCENT, "rate": Unit.PERCENT, "annual rate": Unit.PERCENT,
    "units": Unit.UNITS, "units/worker": Unit.UNITS, "count": Unit.COUNT, "ticks": Unit.TICKS,
    "index": Unit.RATIO,
}

# Aggregates with no unit in the engine (not money, not an observation field).
AGGREGATE_UNITS = {
    "tick": Unit.ID, "avg_price": Unit.MONEY, "wage_inflation_4t": Unit.PERCENT,
    "employment": Unit.COUNT, "participants": Unit.COUNT, "production": Unit.UNITS,
    "inventories": Unit.UNITS, "bank_failures": Unit.COUNT,
    "avg_loan_rate": Unit.PERCENT, "avg_deposit_rate": Unit.PERCENT,
    # model v2: a household's equity and wealth in its balance sheet
    "equity": Unit.MONEY, "wealth": Unit.MONEY,
}

LABELS = {
    # the tick's aggregates
    "tick": gettext_lazy("Tick"), "gdp": gettext_lazy("GDP"),
    "gdp_real": gettext_lazy("Real GDP"), "consumption": gettext_lazy("Consumption"),
    "government_spending": gettext_lazy("Government spending"),
    "taxes": gettext_lazy("Taxes"), "disposable_income": gettext_lazy("Disposable income"),
    "household_deposits": gettext_lazy("Household deposits"),
    "firm_deposits": gettext_lazy("Firm deposits"), "deposits": gettext_lazy("Deposits"),
    "cpi": gettext_lazy("Consumer price index"),
    "inflation_tick": gettext_lazy("Inflation, tick on tick"),
    "inflation_4t": gettext_lazy("Inflation over a year"),
    "wage_inflation_4t": gettext_lazy("Wage growth over a year"),
    "avg_wage": gettext_lazy("Average wage"), "employment": gettext_lazy("Employment"),
    "participants": gettext_lazy("Labour force"),
    "unemployment_rate": gettext_lazy("Unemployment rate"),
    "vacancies": gettext_lazy("Vacancies"), "vacancy_rate": gettext_lazy("Vacancy rate"),
    "production": gettext_lazy("Production"), "inventories": gettext_lazy("Inventories"),
    "inventory_value": gettext_lazy("Inventory value"), "loans": gettext_lazy("Loans"),
    "new_loans": gettext_lazy("New loans"), "bankruptcies": gettext_lazy("Bankruptcies"),
    "bank_failures": gettext_lazy("Bank failures"),
    "government_debt": gettext_lazy("Government debt"),
    "government_deficit": gettext_lazy("Government deficit"),
    "treasury_account": gettext_lazy("Treasury account"),
    "cb_bills": gettext_lazy("Bills held by the central bank"),
    "reserves": gettext_lazy("Reserves"), "advances": gettext_lazy("Central-bank advances"),
    "bank_net_worth": gettext_lazy("Bank net worth"),
    "firm_profits": gettext_lazy("Firm profits"), "dividends": gettext_lazy("Dividends"),
    "policy_rate": gettext_lazy("Policy rate"), "avg_price": gettext_lazy("Average price"),
    "avg_loan_rate": gettext_lazy("Average loan rate"),
    "avg_deposit_rate": gettext_lazy("Average deposit rate"),
    # model v2: capital goods, investment and equity
    "investment": gettext_lazy("Investment"),
    "investment_units": gettext_lazy("Capital goods bought"),
    "capital_units": gettext_lazy("Capital stock"), "capital_value": gettext_lazy("Capital value"),
    "depreciation": gettext_lazy("Depreciation"),
    "utilisation": gettext_lazy("Capacity utilisation"),
    "capital_price": gettext_lazy("Price of capital goods"),
    "equity_value": gettext_lazy("Equity value"), "equity": gettext_lazy("Equity"),
    "wealth": gettext_lazy("Wealth (deposits and equity)"),
    "skill": gettext_lazy("Skill"), "saving_propensity": gettext_lazy("Saving propensity"),
    "sector": gettext_lazy("Sector"), "capacity_workers": gettext_lazy("Capacity in workers"),
    "shares_outstanding": gettext_lazy("Shares outstanding"),
    # an agent's balance sheet and own observation
    "id": gettext_lazy("Number"), "bank_id": gettext_lazy("Bank"),
    "employer_id": gettext_lazy("Employer"), "wage": gettext_lazy("Wage"),
    "reservation_wage": gettext_lazy("Reservation wage"),
    "participating": gettext_lazy("In the labour force"),
    "unemployed_ticks_4": gettext_lazy("Ticks unemployed of the last 4"),
    "preferred_seller_id": gettext_lazy("Preferred seller"),
    "expected_income": gettext_lazy("Expected income"),
    "wage_income": gettext_lazy("Wage income"), "benefits": gettext_lazy("Benefits"),
    "transfers": gettext_lazy("Transfers"), "deposit_interest": gettext_lazy("Deposit interest"),
    "income_tax_paid": gettext_lazy("Income tax paid"),
    "units_bought": gettext_lazy("Goods bought"), "health_shock": gettext_lazy("Health shock"),
    "preference_factor": gettext_lazy("Preference factor"),
    "inventory_units": gettext_lazy("Inventory"), "net_worth": gettext_lazy("Net worth"),
    "price": gettext_lazy("Price"), "wage_offer": gettext_lazy("Wage offer"),
    "markup": gettext_lazy("Markup"), "productivity": gettext_lazy("Productivity per worker"),
    "workers": gettext_lazy("Workers"),
    "ticks_since_vacancy": gettext_lazy("Ticks since a vacancy"),
    "expected_demand": gettext_lazy("Expected demand"), "output": gettext_lazy("Output"),
    "sales_units": gettext_lazy("Sales"), "unmet_demand": gettext_lazy("Unmet demand"),
    "revenue": gettext_lazy("Revenue"), "wage_bill": gettext_lazy("Wage bill"),
    "cogs": gettext_lazy("Cost of goods sold"), "loan_interest": gettext_lazy("Loan interest"),
    "profit": gettext_lazy("Profit"), "profit_tax_paid": gettext_lazy("Profit tax paid"),
    "age": gettext_lazy("Age"), "defaulted": gettext_lazy("Defaulted"),
    "productivity_factor": gettext_lazy("Productivity factor"), "bills": gettext_lazy("Bills"),
    "loan_rate": gettext_lazy("Loan rate"), "deposit_rate": gettext_lazy("Deposit rate"),
    "capital_ratio": gettext_lazy("Capital ratio"),
    "liquidity_ratio": gettext_lazy("Liquidity ratio"),
    "capital_ratio_target": gettext_lazy("Capital ratio target"),
    "liquidity_ratio_target": gettext_lazy("Liquidity ratio target"),
    "excess_reserves": gettext_lazy("Excess reserves"), "borrowers": gettext_lazy("Borrowers"),
    "depositors": gettext_lazy("Depositors"),
    "interest_received": gettext_lazy("Interest received"),
    "interest_paid": gettext_lazy("Interest paid"), "write_offs": gettext_lazy("Write-offs"),
    "reserve_rate": gettext_lazy("Rate on reserves"),
    "bills_outstanding": gettext_lazy("Bills outstanding"),
    "income_tax": gettext_lazy("Income tax rate"), "profit_tax": gettext_lazy("Profit tax rate"),
    "benefit_ratio": gettext_lazy("Benefit ratio"),
    "purchases_units": gettext_lazy("Goods purchased"), "purchases": gettext_lazy("Purchases"),
    "bill_interest": gettext_lazy("Bill interest"),
    "cb_remittance": gettext_lazy("Central-bank remittance"),
    "deficit": gettext_lazy("Deficit"), "unemployed": gettext_lazy("Unemployed"),
    # the public data scripts see
    "i_cb": gettext_lazy("Policy rate"), "i_R": gettext_lazy("Rate on reserves"),
    "avg_i_L": gettext_lazy("Average loan rate"), "avg_i_D": gettext_lazy("Average deposit rate"),
    "i_B": gettext_lazy("Bill rate"), "benefit": gettext_lazy("Benefit"),
}


def _schema_unit(field_unit: str, field_type: str) -> Unit:
    if field_unit:
        return SCHEMA_UNITS[field_unit]
    if field_type == "bool":
        return Unit.FLAG
    return Unit.RATIO if field_type.startswith("float") else Unit.ID


def schema_figures() -> dict[str, Unit]:
    """Every scalar field of the observation schema (own fields of each type and public data)
    with the unit kind its declared unit means."""
    fields = [*PUBLIC_FIELDS, *(f for own in OWN_FIELDS.values() for f in own)]
    return {f.name: _schema_unit(f.unit, f.type) for f in fields
            if not f.type.startswith(("list", "object"))}


_SCHEMA = schema_figures()


def figure_unit(key: str) -> Unit:
    """The unit kind of a figure; KeyError for a key no one has described."""
    if key in MONEY_AGGREGATES:
        return Unit.MONEY
    return _SCHEMA[key] if key in _SCHEMA else AGGREGATE_UNITS[key]


def figure_label(key: str) -> str:
    """The human label; a key missing from the table shows as itself (the test catches it)."""
    return str(LABELS.get(key, key))


def _number(value: int | float, decimals: int = 0) -> str:
    # rounded first: number_format cuts a float's decimals off
    return number_format(round(value, decimals), decimal_pos=decimals or None,
                         force_grouping=True)


def money(cents: int | float) -> str:
    """Cents as currency in the active language's number format: "$4,864,238.61"."""
    cents = round(cents)
    amount = number_format(Decimal(abs(cents)).scaleb(-2), decimal_pos=2, force_grouping=True)
    return _("%(sign)s%(symbol)s%(amount)s") % {
        "sign": "-" if cents < 0 else "", "symbol": settings.MONEY_SYMBOL, "amount": amount}


def figure(value: object, key: str) -> str:
    """A figure written for its unit; None (a ratio with nothing to divide by) is a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    try:
        unit = figure_unit(key)
    except KeyError:  # an undescribed key (the test names it) still shows, as it is
        return str(value)
    if not isinstance(value, int | float):
        return str(value)
    if unit == Unit.MONEY:
        return money(value)
    if unit == Unit.PERCENT:
        return _("%(number)s %%") % {"number": _number(value * 100, 2)}
    if unit == Unit.RATIO:
        return _number(value, 3)
    if unit == Unit.ID:
        return str(value)
    whole = round(value)
    shown = _number(value, 1) if isinstance(value, float) and value != whole else _number(whole)
    if unit == Unit.UNITS:
        return ngettext("%(n)s unit", "%(n)s units", whole) % {"n": shown}
    if unit == Unit.TICKS:
        return ngettext("%(n)s tick", "%(n)s ticks", whole) % {"n": shown}
    return shown


# The archive's words (an agent's page): markets, posting kinds, script-call outcomes and where
# a balance sheet was kept. Keys are the engine's and the archive's names.
MARKET_LABELS = {"goods": gettext_lazy("Goods"), "labour": gettext_lazy("Labour"),
                 "credit": gettext_lazy("Credit")}
KIND_LABELS = {
    "CONSUMPTION": gettext_lazy("Consumption"),
    "GOV_PURCHASE": gettext_lazy("Government purchase"), "WAGE": gettext_lazy("Wage"),
    "BENEFIT": gettext_lazy("Benefit"), "GOV_TRANSFER": gettext_lazy("Government transfer"),
    "GOV_LEVY": gettext_lazy("Government levy"),
    "TAX_H": gettext_lazy("Income tax"), "TAX_F": gettext_lazy("Profit tax of a firm"),
    "TAX_B": gettext_lazy("Profit tax of a bank"), "LOAN_DRAW": gettext_lazy("Loan drawn"),
    "LOAN_PRINCIPAL": gettext_lazy("Loan repayment"),
    "LOAN_INTEREST": gettext_lazy("Loan interest"),
    "DEPOSIT_INTEREST": gettext_lazy("Deposit interest to a household"),
    "DEPOSIT_INTEREST_F": gettext_lazy("Deposit interest to a firm"),
    "FIRM_DIVIDEND": gettext_lazy("Firm dividend"),
    "BANK_DIVIDEND": gettext_lazy("Bank dividend"),
    "DEPOSIT_SWITCH": gettext_lazy("Deposits moved to another bank"),
    "RECAP": gettext_lazy("Firm recapitalisation"),
    "BAIL_IN": gettext_lazy("Bail-in of household deposits"),
    "BAIL_IN_F": gettext_lazy("Bail-in of firm deposits"),
    "CAPITAL_TRANSFER": gettext_lazy("Capital transfer to a bank"),
    "WRITE_OFF": gettext_lazy("Loan write-off"),
    "INVENTORY_ADD": gettext_lazy("Goods added to inventory"),
    "INVENTORY_COGS": gettext_lazy("Goods sold from inventory"),
    "INVENTORY_SPOILAGE": gettext_lazy("Inventory spoiled"),
    "INVENTORY_HAIRCUT": gettext_lazy("Inventory written down"),
    "BILL_PURCHASE_B": gettext_lazy("Bills bought by a bank"),
    "BILL_PURCHASE_CB": gettext_lazy("Bills bought by the central bank"),
    "BILL_REDEEM_B": gettext_lazy("Bills redeemed to a bank"),
    "BILL_REDEEM_CB": gettext_lazy("Bills redeemed to the central bank"),
    "BILL_INTEREST_B": gettext_lazy("Bill interest to a bank"),
    "BILL_INTEREST_CB": gettext_lazy("Bill interest to the central bank"),
    "RESERVE_INTEREST": gettext_lazy("Interest on reserves"),
    "ADVANCE_INTEREST": gettext_lazy("Interest on central-bank advances"),
    "ADVANCE": gettext_lazy("Central-bank advance"),
    "ADVANCE_REPAY": gettext_lazy("Central-bank advance repaid"),
    "CB_REMITTANCE": gettext_lazy("Central-bank remittance"),
    "CB_LOSS_COVER": gettext_lazy("Central-bank loss covered"),
}
OUTCOME_LABELS = {"accepted": gettext_lazy("Accepted"), "rejected": gettext_lazy("Rejected"),
                  "failed": gettext_lazy("Failed"), "empty": gettext_lazy("No decision"),
                  # a backtest's own outcomes (lab.runner)
                  "skipped": gettext_lazy("Not called"), "none": gettext_lazy("No script")}
BALANCE_SOURCES = {"tick": gettext_lazy("after the tick"),
                   "day_end": gettext_lazy("day-end snapshot")}


def archive_label(table: dict, key: str) -> str:
    """A market, kind, outcome or source in words; an unknown key shows as itself."""
    return str(table.get(key, key))


def score_figure(value: float | int | None, agent_type: str) -> str:
    """A score (simulations.engine.scores): households' utility as a number with two
    decimals, firms' and banks' integer cents as currency; None is a dash."""
    if value is None:
        return "—"
    if agent_type == "household":
        return _number(float(value), 2)
    return money(value)


# What a backtest's per-tick row is called on the lab's pages, by its key.
LAB_LABELS = {
    "score": gettext_lazy("Score"), "score_total": gettext_lazy("Score over the backtest"),
    "income": gettext_lazy("Income"), "spending": gettext_lazy("Spending"),
    "consumption": gettext_lazy("Consumption"), "sales": gettext_lazy("Sales"),
    "net_worth": gettext_lazy("Net worth"), "deposits": gettext_lazy("Deposits"),
}
