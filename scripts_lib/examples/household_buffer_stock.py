"""Buffer-stock household: spend the usual income, keep a cushion, shop at the cheapest firms.

A household that smooths its spending: it remembers an average of its disposable income
(`memory`), spends about that much each tick, spends part of any cushion above six ticks of
income, and saves when the cushion is short. Out of work, it lowers the wage it asks for a
little every tick, so it finds a job again instead of waiting for the old wage.
"""

import statistics

CUSHION_TICKS = 6  # deposits worth this many ticks of income are kept as a cushion
SMOOTHING = 0.3  # weight of the newest income in the running average
DRAWDOWN = 0.1  # share of the cushion's excess spent per tick
WAGE_CUT = 0.95  # reservation wage kept per tick of unemployment
SELLERS = 2  # firms visited first (the engine allows at most z_c, 2 in the baseline)


def decide(obs):
    own, public, memory = obs["own"], obs["public"], obs["memory"]
    income = own["disposable_income"]

    # The running average survives between ticks in memory; the first tick starts from the
    # engine's own expectation.
    average = memory.get("avg_income", own["expected_income"])
    average = (1 - SMOOTHING) * average + SMOOTHING * income
    recent = [*memory.get("recent", []), income][-8:]
    # A volatile income (e.g. spells of unemployment) calls for a bigger cushion.
    spread = statistics.pstdev(recent) if len(recent) > 1 else 0.0
    cushion = CUSHION_TICKS * average + 2 * spread

    excess = own["deposits"] - cushion
    budget = average + DRAWDOWN * excess if excess > 0 else 0.9 * average
    cash = own["deposits"] + income
    share = min(1.0, max(0.0, budget / cash)) if cash > 0 else 0.0

    decision = {"consume_share": round(share, 4)}

    # Cheapest posted prices first: [id, price, wage offer, vacancies] per firm.
    cheapest = sorted(public["firm_posted"], key=lambda row: row[1])[:SELLERS]
    if cheapest:
        decision["preferred_sellers"] = [row[0] for row in cheapest]

    if own["employer_id"] is None and own["participating"]:
        # Never above what the engine accepts (100 x the average wage).
        asked = int(own["reservation_wage"] * WAGE_CUT)
        decision["reservation_wage_cents"] = max(0, min(asked, 100 * public["avg_wage"]))

    print(f"income {income}, average {round(average)}, cushion {round(cushion)}, "
          f"spend share {decision['consume_share']}")
    decision["memory"] = {"avg_income": average, "recent": recent}
    return decision
