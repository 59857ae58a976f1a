"""Inventory-driven firm: price by stock, hire for expected demand, borrow the wage shortfall.

The firm keeps a smoothed estimate of demand in `memory` (sales plus the customers it turned
away). It raises its price when it sold out and lowers it when stock piles up, hires enough
workers to produce the expected demand plus a small buffer, offers a higher wage while its
vacancies stay open, and asks the cheapest banks for the part of the wage bill its deposits do
not cover.
"""

import math

SMOOTHING = 0.3  # weight of the newest demand in the running estimate
BUFFER = 1.1  # produce 10 % above expected demand
PRICE_STEP = 0.02
WAGE_STEP = 0.01
BANKS = 2  # banks asked for credit (the engine allows at most chi_l)


def decide(obs):
    own, public, memory = obs["own"], obs["public"], obs["memory"]

    demand_seen = own["sales_units"] + own["unmet_demand"]
    demand = memory.get("demand", own["expected_demand"])
    demand = (1 - SMOOTHING) * demand + SMOOTHING * demand_seen

    price = own["price"]
    if own["unmet_demand"] > 0 and own["inventory_units"] == 0:
        price *= 1 + PRICE_STEP  # sold out and turned customers away
    elif own["inventory_units"] > demand:
        price *= 1 - PRICE_STEP  # more than a tick of sales in stock
    price = max(1, min(10**9, round(price)))

    wanted_output = max(0.0, BUFFER * demand - own["inventory_units"])
    workers = math.ceil(wanted_output / max(1, own["productivity"]))
    # Grow by at most a few workers a tick: hiring sprees chase noise.
    workers = min(workers, own["workers"] + 3)

    wage_cap = max(1, 100 * public["avg_wage"])
    wage = own["wage_offer"]
    if own["vacancies"] > 0:
        wage *= 1 + WAGE_STEP  # positions stayed open: pay a little more
    wage = max(1, min(wage_cap, round(wage)))

    decision = {"price_cents": price, "target_workers": workers, "wage_offer_cents": wage}

    shortfall = workers * wage - own["deposits"]
    if shortfall > 0:
        # bank_posted: [id, annual loan rate, annual deposit rate] per bank.
        cheapest = sorted(public["bank_posted"], key=lambda row: row[1])[:BANKS]
        decision["loan_request_cents"] = shortfall
        decision["preferred_banks"] = [row[0] for row in cheapest]

    # Pay out half the profit only when the next wage bill is well covered.
    covered = own["deposits"] > 2 * workers * wage
    decision["dividend_share"] = 0.5 if own["profit"] > 0 and covered else 0.0

    prices = [*memory.get("prices", []), price][-12:]
    print(f"demand {round(demand, 1)}, price {price}, workers {workers}, wage {wage}")
    decision["memory"] = {"demand": demand, "prices": prices}
    return decision
