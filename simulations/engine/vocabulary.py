"""The names of what a world holds, defined once: agent types and markets, with the integer
codes the trade columns, the random streams and the history archive store.

Everything else derives from these tuples (the decision schema, Django's choices, the archive's
code columns); a test (`simulations/tests/test_vocabulary.py`) fails if a copy appears. The
order is part of the stored format: codes are positions, so new names go at the end.
"""

from __future__ import annotations

AGENT_TYPES = ("household", "firm", "bank", "central_bank", "government")
AGENT_TYPE_CODES = {name: code for code, name in enumerate(AGENT_TYPES)}
HOUSEHOLD, FIRM, BANK, CENTRAL_BANK, GOVERNMENT = (AGENT_TYPE_CODES[t] for t in AGENT_TYPES)

MARKETS = ("goods", "labour", "credit")
MARKET_CODES = {name: code for code, name in enumerate(MARKETS)}
