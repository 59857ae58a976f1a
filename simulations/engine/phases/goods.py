"""P6: the goods market. The government buys first, then households search.

Households search in Z_c rounds: in round k each household with budget left visits its k-th
cheapest sampled seller. Within a seller, buyers are served in the seeded random order, so a
stock-out rations later buyers exactly as a sequential loop would, but vectorised.
"""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..ledger import Acct, TransactionKind
from ..money import PPM, largest_remainder, to_ppm
from ..rng import Stream
from ..vocabulary import FIRM, GOVERNMENT, HOUSEHOLD
from . import capital


def run(w: Context) -> None:
    f = w.s.f
    f.sales[:] = 0
    f.unmet[:] = 0
    f.revenue[:] = 0
    f.cogs[:] = 0
    _government(w)
    _households(w)
    f.demand = f.sales + f.unmet
    _spoil(w)
    if w.cfg.v2 and not w.sim:
        capital.market(w)


def _spoil(w: Context) -> None:
    """A share of the unsold stock perishes (CC-MABM goods are perishable; NOTES.md).

    The units leave inventory and their historical cost is a current cost of the firm
    (INVENTORY_SPOILAGE), so over-production is a loss, as in Caiani and CC-MABM.
    """
    f = w.s.f
    f.spoilage[:] = 0
    f.unsold = f.x.copy()
    rate = to_ppm(w.cfg.inventory_depreciation)
    if rate == 0:
        return
    lost = (f.x * rate) // PPM
    if w.cfg.v2 and not w.sim:
        lost = np.where(f.sector == 0, lost, 0)  # capital goods are storable
    firms = np.flatnonzero(lost > 0)
    if len(firms) == 0:
        return
    x, X, q = f.x[firms], f.X[firms], lost[firms]
    cost = np.where(q == x, X, (X.astype(object) * q // np.maximum(x, 1)).astype(np.int64))
    w.post(TransactionKind.INVENTORY_SPOILAGE, Acct.INV, Acct.INV, firms, firms, cost)
    f.spoilage[firms] = cost
    f.x[firms] -= q
    w.handoffs.units.write_offs += int(q.sum())


def _sell(w: Context, kind: TransactionKind, buyer_acct: Acct, buyers: np.ndarray,
          firms: np.ndarray, qty: np.ndarray) -> None:
    """Post payments and move units and cost of goods sold out of inventory."""
    f = w.s.f
    keep = qty > 0
    buyers, firms, qty = buyers[keep], firms[keep], qty[keep]
    if len(qty) == 0:
        return
    price = f.price[firms]
    value = price * qty
    w.post(kind, buyer_acct, Acct.DEP_F, buyers, firms, value)
    buyer_type = GOVERNMENT if kind is TransactionKind.GOV_PURCHASE else HOUSEHOLD
    w.handoffs.trades.record("goods", buyer_type, buyers, FIRM, firms, qty, price)
    n_f = len(f)
    sold = np.bincount(firms, weights=qty, minlength=n_f).astype(np.int64)
    rev = np.zeros(n_f, dtype=np.int64)
    np.add.at(rev, firms, value)
    # Historical cost: COGS = floor(X*q/x), or all of X when the stock is sold out.
    sellers = np.flatnonzero(sold > 0)
    x, X, q = f.x[sellers], f.X[sellers], sold[sellers]
    cogs = np.where(q == x, X, (X.astype(object) * q // np.maximum(x, 1)).astype(np.int64))
    w.post(TransactionKind.INVENTORY_COGS, Acct.INV, Acct.INV, sellers, sellers, cogs)
    f.cogs[sellers] += cogs
    f.x = f.x - sold
    f.sales = f.sales + sold
    f.revenue = f.revenue + rev


def _government(w: Context) -> None:
    f, g = w.s.f, w.s.g
    want = int(g.purchases_units[0])
    on_offer = f.x
    if w.cfg.v2 and not w.sim:
        on_offer = np.where(f.sector == 0, f.x, 0)
    stock = int(on_offer.sum())
    qty = (largest_remainder(min(want, stock), on_offer) if stock > 0
           else np.zeros(len(f), np.int64))
    qty = np.minimum(qty, on_offer)
    w.handoffs.units.government = int(qty.sum())
    firms = np.arange(len(f))
    before = int(f.revenue.sum())
    _sell(w, TransactionKind.GOV_PURCHASE, Acct.TA, np.zeros(len(f), np.int64), firms, qty)
    g.spending[0] = int(f.revenue.sum()) - before


def _households(w: Context) -> None:
    cfg, h, f = w.cfg, w.s.h, w.s.f
    n_h, n_f = len(h), len(f)
    cash = np.maximum(h.dep, 0)
    budget = np.minimum(h.budget, cash)
    for hid, d in w.decisions.household.items():
        if d.consume_share is not None:
            budget[hid] = (int(cash[hid]) * to_ppm(d.consume_share)) // PPM
        elif d.consume_cents is not None:
            budget[hid] = min(int(d.consume_cents), int(cash[hid]))
    h.consumption[:] = 0
    h.units_bought[:] = 0
    rng = w.rng(Stream.GOODS_SEARCH)
    order = rng.permutation(n_h)
    z = min(cfg.z_c, n_f)
    # Sample: preferred seller plus z-1 random firms (duplicates resolved to the price sort).
    sample = np.empty((n_h, z), dtype=np.int64)
    sample[:, 0] = h.pref_seller
    if z > 1:
        if w.cfg.v2 and not w.sim:
            sellers = np.flatnonzero(f.sector == 0)
            sample[:, 1:] = sellers[rng.integers(0, len(sellers), size=(n_h, z - 1))]
        else:
            sample[:, 1:] = rng.integers(0, n_f, size=(n_h, z - 1))
    for hid, d in w.decisions.household.items():
        if d.preferred_sellers:
            lst = list(d.preferred_sellers)[:z]
            sample[hid] = (lst + [lst[-1]] * z)[:z]
    price = f.price[sample]
    srt = np.argsort(price, axis=1, kind="stable")
    sample = np.take_along_axis(sample, srt, axis=1)
    price = np.take_along_axis(price, srt, axis=1)
    rank = np.empty(n_h, dtype=np.int64)
    rank[order] = np.arange(n_h)
    left = budget.copy()
    stocked_out = np.full(n_h, -1, dtype=np.int64)
    for k in range(z):
        firm_k = sample[:, k]
        p_k = price[:, k]
        # A duplicate of an earlier sampled seller is skipped (already visited).
        dup = np.zeros(n_h, dtype=bool)
        for j in range(k):
            dup |= sample[:, j] == firm_k
        _visit(w, firm_k, np.where(dup, 0, left // p_k), rank, left, stocked_out)
    if cfg.v2 and not w.sim:
        # Model v2: budget left after the Z_c sellers is taken to further random sellers
        # (a budget many times the average cannot be spent at two sellers: the rich would
        # save by force, and demand would be lost to search alone).
        sellers = np.flatnonzero(f.sector == 0)
        for _ in range(cfg.extra_shopping_rounds):
            firm_k = sellers[rng.integers(0, len(sellers), n_h)]
            _visit(w, firm_k, left // f.price[firm_k], rank, left, stocked_out)
    # Unmet demand: only the budget left at the end of the search, at the first stock-out.
    miss = np.flatnonzero((stocked_out >= 0) & (left > 0))
    if len(miss):
        np.add.at(f.unmet, stocked_out[miss], left[miss] // f.price[stocked_out[miss]])
    w.handoffs.units.households = int(f.sales.sum()) - w.handoffs.units.government
    _switch_preferred(w, sample, price)


def _visit(w: Context, firm_k: np.ndarray, want: np.ndarray, rank: np.ndarray,
           left: np.ndarray, stocked_out: np.ndarray) -> None:
    """One round: each household asks firm_k for `want` units; within a seller buyers are
    served in the seeded random order (rank) until the stock runs out."""
    h, f = w.s.h, w.s.f
    active = np.flatnonzero(want > 0)
    if len(active) == 0:
        return
    fa = firm_k[active]
    srt2 = np.lexsort((rank[active], fa))
    act, fa, wa = active[srt2], fa[srt2], want[active][srt2]
    cum = np.cumsum(wa)
    first = np.searchsorted(fa, fa, side="left")
    before = cum - wa - np.where(first > 0, cum[first - 1], 0)
    got = np.clip(f.x[fa] - before, 0, wa)
    short = got < wa
    stocked_out[act[short & (stocked_out[act] < 0)]] = fa[short & (stocked_out[act] < 0)]
    _sell(w, TransactionKind.CONSUMPTION, Acct.DEP_H, act, fa, got)
    spent = got * f.price[fa]
    left[act] -= spent
    h.consumption[act] += spent
    h.units_bought[act] += got


def _switch_preferred(w: Context, sample: np.ndarray, price: np.ndarray) -> None:
    """Move the preferred seller to the cheapest one seen, with prob 1-exp(-eps_c*dp/p)."""
    h, f = w.s.h, w.s.f
    if w.sim:
        return
    cheapest = sample[:, 0]
    p_old = f.price[h.pref_seller].astype(np.float64)
    p_new = price[:, 0].astype(np.float64)
    with np.errstate(over="ignore"):  # exp overflows only where np.where discards it
        prob = np.where(p_new < p_old, 1 - np.exp(-w.cfg.eps_c * (p_old - p_new) / p_old),
                        0.0)
    draw = w.rng(Stream.SELLER_SWITCH).random(len(h))
    h.pref_seller = np.where(draw < prob, cheapest, h.pref_seller)
