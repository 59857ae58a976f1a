"""Prose of the script-author docs that is not in the engine's schema: the tick order and the
sandbox rules. Field tables come from `simulations.engine.schema.schema_document()`; a test
keeps the phase list below in step with the engine's own phase order."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

TICK_PHASES = (
    ("P0", _("Observe and decide"),
     _("The state of the last tick is frozen. Every mounted script gets its observation and "
       "returns a decision; invalid decisions fall back to the baseline rule.")),
    ("P1", _("Policy"),
     _("The central bank sets its rates, the government its taxes, purchases and benefits, "
       "banks their loan and deposit rates.")),
    ("P2", _("Plans"),
     _("Firms set wage offers, prices, output targets and credit demand; households set "
       "consumption budgets, participation and reservation wages.")),
    ("P3", _("Credit market"),
     _("Firms apply to banks; banks ration by expected loss and capital. Loans create "
       "deposits.")),
    ("P4", _("Labour market"),
     _("Firings and turnover first, then unemployed households search firms by wage.")),
    ("P5", _("Production"),
     _("Firms produce with labour; wages are paid now (income tax withheld) and the wage "
       "bill becomes inventory at cost.")),
    ("P6", _("Goods market"),
     _("The government buys first, then households in random order visit sellers from the "
       "cheapest.")),
    ("P7", _("Settlement"),
     _("Loan service, interest, benefits, profit taxes, dividends, income tax on interest "
       "and dividends, central bank profit, deposit switching, bills and advances.")),
    ("P8", _("Bankruptcy and entry"),
     _("Failed firms are restructured (write-offs, recapitalisation); failed banks are "
       "bailed in or out.")),
    ("P9", _("Shocks"), _("Operator and stochastic shocks apply; they are felt from the next "
                          "tick.")),
    ("P9b", _("Money market again"),
     _("Bills and advances are re-cleared after P8-P9 so no balance ends negative.")),
    ("P10", _("Checks and publish"),
     _("Every accounting invariant is asserted, aggregates and public data are published.")),
)

CONTRACT_EXAMPLE = '''def decide(obs):
    own, public, memory = obs["own"], obs["public"], obs["memory"]
    ticks_seen = memory.get("ticks", 0) + 1
    # spend half of the cash on hand; keep a tick counter for next time
    return {"consume_share": 0.5, "memory": {"ticks": ticks_seen}}
'''

FIRST_SCRIPT = '''def decide(obs):
    # {} keeps every baseline rule; add keys from the decision table above
    return {}
'''

RUN_LOCALLY = "python manage.py run_script my_strategy.py --agent-type household --json"


# The worked examples' names and descriptions (the first paragraph of each example's
# docstring, scripts_lib/examples), for makemessages; the docs pages translate them.
EXAMPLE_TEXT = (
    gettext_noop("Buffer-stock household"),
    gettext_noop("Buffer-stock household: spend the usual income, keep a cushion, shop at the "
                 "cheapest firms."),
    gettext_noop("Inventory-driven firm"),
    gettext_noop("Inventory-driven firm: price by stock, hire for expected demand, borrow the "
                 "wage shortfall."),
)
