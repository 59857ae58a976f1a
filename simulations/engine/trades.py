"""Trades of a tick per market (goods, labour, credit), recorded where each market clears.

Each market is a dict of int64 columns buyer_type, buyer, seller_type, seller, quantity,
price, value (value == quantity * price exactly). Agent types use the engine's integer codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .vocabulary import MARKETS

COLUMNS = ("buyer_type", "buyer", "seller_type", "seller", "quantity", "price", "value")


@dataclass
class TradeLog:
    """The trades of one tick, batch by batch, per market."""

    batches: dict[str, list[dict[str, np.ndarray]]] = field(
        default_factory=lambda: {market: [] for market in MARKETS})

    def record(self, market: str, buyer_type: int, buyer: Any, seller_type: int, seller: Any,
               quantity: Any, price: Any) -> None:
        """Append one batch of trades (value is computed here, exactly)."""
        self.batches[market].append(_columns(buyer_type, buyer, seller_type, seller, quantity,
                                             price))

    def collect(self) -> dict[str, dict[str, np.ndarray]]:
        """The tick's trades: every market present, each with all seven int64 columns."""
        out: dict[str, dict[str, np.ndarray]] = {}
        for market in MARKETS:
            parts = self.batches[market]
            out[market] = {c: np.asarray(np.concatenate([p[c] for p in parts]) if parts
                                         else np.zeros(0), dtype=np.int64)
                           for c in COLUMNS}
        return out


def _columns(buyer_type: int, buyer: Any, seller_type: int, seller: Any, quantity: Any,
             price: Any) -> dict[str, np.ndarray]:
    qty = np.atleast_1d(np.asarray(quantity, dtype=np.int64))
    n = len(qty)
    cols = {
        "buyer_type": np.full(n, buyer_type, dtype=np.int64),
        "buyer": np.broadcast_to(np.asarray(buyer, dtype=np.int64), (n,)).copy(),
        "seller_type": np.full(n, seller_type, dtype=np.int64),
        "seller": np.broadcast_to(np.asarray(seller, dtype=np.int64), (n,)).copy(),
        "quantity": qty.copy(),
        "price": np.broadcast_to(np.asarray(price, dtype=np.int64), (n,)).copy(),
    }
    cols["value"] = cols["quantity"] * cols["price"]
    return cols
