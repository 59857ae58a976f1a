"""Script observations per agent type: the fields, types, units and meanings scripts read.

Every value is a JSON int, float, bool, null or a list of them. schema.py joins these with the
decision records into the one document the API and the web docs render. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass

MEMORY_KEY = "memory"  # the sandbox owns it (runner.MEMORY_KEY); a test keeps the two equal


@dataclass(frozen=True)
class ObsField:
    name: str
    type: str  # int | float | bool | int|null | list[...]
    unit: str
    meaning: str


def _o(name: str, type_: str, unit: str, meaning: str) -> ObsField:
    return ObsField(name, type_, unit, meaning)


TOP_FIELDS = (
    _o("tick", "int", "tick", "The tick being decided; every other value is from tick - 1."),
    _o("own", "object", "", "The agent's own state: fields listed per agent type."),
    _o("public", "object", "", "Public data of tick - 1, the same for every agent."),
    _o("rng_seed", "int", "", "Seed of this agent and tick; `random` is already seeded with it."),
    _o(MEMORY_KEY, "object", "", "The dict returned under `memory` last tick ({} at first); "
                                 "JSON, at most 64 KB."),
)

PUBLIC_FIELDS = (
    _o("cpi", "float", "index", "Consumer price index (average posted price over base)."),
    _o("inflation_tick", "float", "share", "CPI change over the last tick."),
    _o("inflation_4t", "float", "share", "CPI change over the last ticks_per_year ticks."),
    _o("avg_wage", "int", "cents/tick", "Average wage paid."),
    _o("unemployment_rate", "float", "share", "Unemployed participants / participants."),
    _o("vacancy_rate", "float", "share", "Unfilled vacancies / labour force."),
    _o("gdp", "int", "cents", "Nominal output (sales to households and government)."),
    _o("gdp_real", "int", "units", "Real output (units sold)."),
    _o("i_cb", "float", "annual rate", "Policy rate."),
    _o("i_R", "float", "annual rate", "Rate paid on reserves."),
    _o("avg_i_L", "float", "annual rate", "Loan-weighted average loan rate."),
    _o("avg_i_D", "float", "annual rate", "Deposit-weighted average deposit rate."),
    _o("i_B", "float", "annual rate", "Bill rate."),
    _o("income_tax", "float", "rate", "Household income tax rate."),
    _o("profit_tax", "float", "rate", "Firm and bank profit tax rate."),
    _o("benefit", "int", "cents/tick", "Benefit per unemployed participant."),
    _o("government_deficit", "int", "cents",
       "Government deficit of the tick (negative: surplus)."),
    _o("government_debt", "int", "cents", "Bills outstanding."),
    _o("loans", "int", "cents", "Loans outstanding, all banks."),
    _o("bankruptcies", "int", "count", "Firms and banks resolved at P8."),
    _o("investment", "int", "cents", "Model v2: spent on capital goods (0 in v1)."),
    _o("capital_value", "int", "cents",
       "Model v2: capital of all firms at book value (0 in v1)."),
    _o("utilisation", "float", "share",
       "Model v2: consumption-goods workers / capacity in workers (0 in v1)."),
    _o("capital_price", "float", "cents/unit",
       "Model v2: average posted price of the capital-goods firms (0 in v1)."),
    _o("firm_posted", "list[[int, int, int, int]]", "[id, cents, cents, count]",
       "Per active firm: [id, price, wage offer, open vacancies], by id."),
    _o("bank_posted", "list[[int, float, float]]", "[id, annual, annual]",
       "Per active bank: [id, loan rate, deposit rate], by id."),
)

_FLOWS = "flow of t-1"

OWN_FIELDS: dict[str, tuple[ObsField, ...]] = {
    "household": (
        _o("id", "int", "", "Household id."),
        _o("bank_id", "int", "", "Bank holding the deposit."),
        _o("deposits", "int", "cents", "Deposit balance (net worth is deposits + equity)."),
        _o("employer_id", "int|null", "", "Employing firm, null when not employed."),
        _o("wage", "int", "cents/tick", "Contract wage, 0 when not employed."),
        _o("reservation_wage", "int", "cents/tick", "Current reservation wage."),
        _o("participating", "bool", "", "In the labour force."),
        _o("unemployed_ticks_4", "int", "ticks", "Ticks unemployed among the last 4."),
        _o("preferred_seller_id", "int|null", "", "Firm visited first at P6."),
        _o("expected_income", "int", "cents", "Expected disposable income YD^e."),
        _o("wage_income", "int", "cents", _FLOWS), _o("benefits", "int", "cents", _FLOWS),
        _o("transfers", "int", "cents", _FLOWS),
        _o("deposit_interest", "int", "cents", _FLOWS), _o("dividends", "int", "cents", _FLOWS),
        _o("income_tax_paid", "int", "cents", _FLOWS),
        _o("disposable_income", "int", "cents", f"YD, {_FLOWS}"),
        _o("consumption", "int", "cents", f"Spent on goods, {_FLOWS}"),
        _o("units_bought", "int", "units", _FLOWS),
        _o("health_shock", "bool", "", "A health shock is active (no work, benefits paid)."),
        _o("preference_factor", "float", "", "Consumption multiplier kappa (1 = none)."),
        _o("skill", "float", "", "Model v2: labour efficiency; pay = wage offer x skill "
           "(1 in v1)."),
        _o("saving_propensity", "float", "share",
           "Model v2: 1 - own alpha1, the share of expected income not consumed."),
        _o("equity_value", "int", "cents",
           "Model v2: shares held x issuers' book net worth / shares (0 in v1)."),
        _o("equity_holdings", "list[[int, int]]", "[issuer, shares]",
           "Model v2: shares held per issuer (firm j = j, bank k = n_firms + k); [] in v1."),
    ),
    "firm": (
        _o("id", "int", "", "Firm id."),
        _o("bank_id", "int", "", "House bank (holds the deposit)."),
        _o("deposits", "int", "cents", "Deposit balance."),
        _o("loans", "int", "cents", "Principal outstanding, all banks."),
        _o("inventory_units", "int", "units", "Goods in stock."),
        _o("inventory_value", "int", "cents", "Book value of the stock (historical cost)."),
        _o("net_worth", "int", "cents", "Deposits + inventory value + capital value - loans."),
        _o("price", "int", "cents/unit", "Posted price."),
        _o("wage_offer", "int", "cents/tick", "Wage paid to every worker."),
        _o("markup", "float", "share", "Current markup mu."),
        _o("productivity", "int", "units/worker", "Output per worker per tick (lambda)."),
        _o("workers", "int", "count", "Current workforce."),
        _o("worker_ids", "list[int]", "", "Ids of the households employed (for fire_ids)."),
        _o("vacancies", "int", "count", "Vacancies left unfilled at P4."),
        _o("ticks_since_vacancy", "int", "ticks", "Ticks since the firm last had a vacancy."),
        _o("expected_demand", "float", "units", "Adaptive demand expectation s^e."),
        _o("output", "int", "units", _FLOWS), _o("sales_units", "int", "units", _FLOWS),
        _o("unmet_demand", "int", "units", f"Demand lost at stock-outs, {_FLOWS}"),
        _o("revenue", "int", "cents", _FLOWS), _o("wage_bill", "int", "cents", _FLOWS),
        _o("cogs", "int", "cents", f"Cost of goods sold, {_FLOWS}"),
        _o("loan_interest", "int", "cents", _FLOWS),
        _o("deposit_interest", "int", "cents", _FLOWS),
        _o("profit", "int", "cents", _FLOWS), _o("profit_tax_paid", "int", "cents", _FLOWS),
        _o("dividends", "int", "cents", _FLOWS),
        _o("loan_contracts", "list[object]", "",
           "Per loan: {bank_id, principal (cents), rate (annual), origination_tick, "
           "instalment (cents)}."),
        _o("age", "int", "ticks", "Ticks since entry or restructuring."),
        _o("defaulted", "bool", "", "Missed a payment at P7(1) of t-1."),
        _o("productivity_factor", "float", "", "Active productivity shock factor (1 = none)."),
        _o("sector", "int", "", "0 consumption goods, 1 capital goods (model v2; 0 in v1)."),
        _o("capital_units", "int", "units", "Model v2: capital installed (0 in v1)."),
        _o("capital_value", "int", "cents", "Model v2: capital at book value (0 in v1)."),
        _o("capacity_workers", "int|null", "count",
           "Model v2: workers the capital can employ (null: not capacity-bound)."),
        _o("utilisation", "float", "share", "Model v2: planned workers / capacity of t-1."),
        _o("investment_units", "int", "units", f"Model v2: capital bought, {_FLOWS}"),
        _o("investment", "int", "cents", f"Model v2: spent on capital, {_FLOWS}"),
        _o("depreciation", "int", "cents", f"Model v2: capital written down, {_FLOWS}"),
        _o("shares_outstanding", "int", "count", "Model v2: equity shares (0 in v1)."),
    ),
    "bank": (
        _o("id", "int", "", "Bank id."),
        _o("reserves", "int", "cents", "Reserves at the central bank."),
        _o("bills", "int", "cents", "Government bills held."),
        _o("loans", "int", "cents", "Loan book, principal outstanding."),
        _o("deposits", "int", "cents", "Deposit liabilities."),
        _o("advances", "int", "cents", "Central-bank advances owed."),
        _o("net_worth", "int", "cents", "Assets - liabilities."),
        _o("loan_rate", "float", "annual rate", "Current i_L."),
        _o("deposit_rate", "float", "annual rate", "Current i_D."),
        _o("capital_ratio", "float|null", "share", "NW / loans (null when no loans)."),
        _o("liquidity_ratio", "float|null", "share", "Reserves / deposits (null: none)."),
        _o("capital_ratio_target", "float", "share", "Sector average CR^T."),
        _o("liquidity_ratio_target", "float", "share", "Sector average LR^T."),
        _o("excess_reserves", "int", "cents", "Reserves above LR^T x deposits (bill cap)."),
        _o("borrowers", "int", "count", "Firms with a loan from the bank."),
        _o("depositors", "int", "count", "Households and firms banking here."),
        _o("interest_received", "int", "cents", _FLOWS),
        _o("interest_paid", "int", "cents", _FLOWS),
        _o("new_loans", "int", "cents", _FLOWS), _o("write_offs", "int", "cents", _FLOWS),
        _o("profit", "int", "cents", _FLOWS), _o("profit_tax_paid", "int", "cents", _FLOWS),
        _o("dividends", "int", "cents", _FLOWS),
        _o("loan_contracts", "list[object]", "",
           "Per loan: {firm_id, principal (cents), rate (annual), origination_tick, "
           "instalment (cents)}."),
    ),
    "central_bank": (
        _o("reserves", "int", "cents", "Reserves owed to banks."),
        _o("advances", "int", "cents", "Advances to banks."),
        _o("bills", "int", "cents", "Bills held (buyer of last resort)."),
        _o("treasury_account", "int", "cents", "Government's account balance."),
        _o("policy_rate", "float", "annual rate", "Current i_cb."),
        _o("reserve_rate", "float", "annual rate", "Current i_R."),
        _o("profit", "int", "cents", f"Remitted to government, {_FLOWS}"),
    ),
    "government": (
        _o("treasury_account", "int", "cents", "Balance at the central bank."),
        _o("bills_outstanding", "int", "cents", "Debt."),
        _o("net_worth", "int", "cents", "Treasury account - bills."),
        _o("income_tax", "float", "rate", "Current tau_i."),
        _o("profit_tax", "float", "rate", "Current tau_pi."),
        _o("benefit_ratio", "float", "share", "Current omega."),
        _o("purchases_units", "int", "units", "Current real purchases g."),
        _o("purchases", "int", "cents", _FLOWS), _o("taxes", "int", "cents", _FLOWS),
        _o("benefits", "int", "cents", _FLOWS), _o("transfers", "int", "cents", _FLOWS),
        _o("bill_interest", "int", "cents", _FLOWS),
        _o("cb_remittance", "int", "cents", _FLOWS),
        _o("deficit", "int", "cents", _FLOWS),
        _o("unemployed", "int", "count", "Benefit recipients."),
    ),
}
