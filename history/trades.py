"""Engine trades -> Trade columns. Two shapes are accepted:

- per market (the engine's target shape): ``{market: {buyer_type, buyer, seller_type, seller,
  quantity, price, value}}`` with market in goods/labour/credit and int64 columns, agent types
  as engine codes (household 0, firm 1, bank 2, central bank 3, government 4);
- flat (what the engine returns today): ``{buyer_type, buyer, seller, amount}``: goods trades
  with a firm as seller; quantity and price are unknown and stored as NULL.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from history.pgcopy import Column
from simulations.engine.vocabulary import AGENT_TYPE_CODES, MARKET_CODES

TRADE_COLUMNS = ["simulation_id", "tick", "market", "buyer_type", "buyer_id", "seller_type",
                 "seller_id", "quantity", "price", "value"]
MARKET_KEYS = ("buyer_type", "buyer", "seller_type", "seller", "quantity", "price", "value")
FLAT_KEYS = ("buyer_type", "buyer", "seller", "amount")


def _ints(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.int64)


def _column(pg_type: str, raw: Any) -> Column:
    """An array column, or a constant / NULL one (the flat shape's seller type, quantity)."""
    if raw is None or isinstance(raw, int | np.integer):
        return Column(pg_type, None if raw is None else int(raw))
    return Column(pg_type, _ints(raw))


def trade_columns(simulation_id: int, tick: int,
                  trades: dict[str, Any]) -> list[tuple[list[str], list, int]]:
    if not trades:
        return []
    if all(not isinstance(v, dict) for v in trades.values()):
        missing = [k for k in FLAT_KEYS if k not in trades]
        if missing:
            raise ValueError(f"flat trades lack {missing}")
        markets = {"goods": {"buyer_type": trades["buyer_type"], "buyer": trades["buyer"],
                             "seller_type": AGENT_TYPE_CODES["firm"], "seller": trades["seller"],
                             "quantity": None, "price": None, "value": trades["amount"]}}
    else:
        markets = trades
    batches = []
    for market, cols in markets.items():
        if market not in MARKET_CODES:
            raise ValueError(f"unknown market {market!r}")
        missing = [k for k in MARKET_KEYS if k not in cols]
        if missing:
            raise ValueError(f"{market} trades lack {missing}")
        value = _ints(cols["value"])
        n = int(value.shape[0])
        if n == 0:
            continue

        batches.append((TRADE_COLUMNS, [
            Column("int8", simulation_id), Column("int8", tick),
            Column("int2", MARKET_CODES[market]),
            _column("int2", cols["buyer_type"]), _column("int4", cols["buyer"]),
            _column("int2", cols["seller_type"]), _column("int4", cols["seller"]),
            _column("int8", cols["quantity"]), _column("int8", cols["price"]),
            Column("int8", value),
        ], n))
    return batches
