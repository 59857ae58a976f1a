"""Trades per market (goods, labour, credit) agree with the ledger to the cent."""

from __future__ import annotations

import numpy as np

from simulations.engine import World
from simulations.engine.trades import COLUMNS, MARKETS
from simulations.tests.engine.worlds import small


def _posted(result, *kinds: str) -> int:
    return sum(int(p["amount"].sum()) for p in result.postings if p["kind"] in kinds)


def test_every_market_reports_seven_int64_columns_that_match_the_postings() -> None:
    world = World.create("baseline", small(), seed=7)
    seen = {m: 0 for m in MARKETS}
    for _ in range(30):
        result = world.step()
        assert set(result.trades) == set(MARKETS)
        for market, cols in result.trades.items():
            assert set(cols) == set(COLUMNS)
            assert all(c.dtype == np.int64 for c in cols.values())
            assert len({len(c) for c in cols.values()}) == 1
            assert np.array_equal(cols["value"], cols["quantity"] * cols["price"])
            assert (cols["quantity"] > 0).all() and (cols["price"] > 0).all()
            seen[market] += len(cols["value"])
        goods, labour, credit = (result.trades[m] for m in MARKETS)
        assert int(goods["value"].sum()) == _posted(result, "CONSUMPTION", "GOV_PURCHASE")
        assert set(goods["buyer_type"].tolist()) <= {0, 4}
        assert set(goods["seller_type"].tolist()) <= {1}
        assert int(labour["value"].sum()) == _posted(result, "WAGE")
        assert set(labour["buyer_type"].tolist()) <= {1}
        assert set(labour["seller_type"].tolist()) <= {0}
        assert (labour["quantity"] == 1).all()
        assert int(credit["value"].sum()) == _posted(result, "LOAN_DRAW")
        assert (credit["quantity"] == 1).all()
        assert set(credit["seller_type"].tolist()) <= {2}
        # Units bought by households equal the goods trades of household buyers.
        hh = goods["buyer_type"] == 0
        assert int(goods["quantity"][hh].sum()) == int(world.ctx.s.h.units_bought.sum())
    assert all(seen.values()), seen


def test_goods_trades_carry_the_price_paid_per_unit() -> None:
    world = World.create("baseline", small(), seed=3)
    world.step()
    result = world.step({("firm", 2): {"price_cents": 777}})
    goods = result.trades["goods"]
    mine = goods["seller"] == 2
    assert mine.any() and (goods["price"][mine] == 777).all()


def test_sim_mode_labour_trades_are_hours_at_one_cent_and_empty_markets_keep_columns() -> None:
    world = World.create("sim", {}, seed=0)
    result = world.step()
    labour = result.trades["labour"]
    assert (labour["price"] == 1).all()
    assert int(labour["quantity"].sum()) == int(labour["value"].sum()) == _posted(result, "WAGE")
    world = World.create("baseline", small(), seed=1)
    result = world.step({("firm", i): {"loan_request_cents": 0} for i in range(12)})
    credit = result.trades["credit"]
    assert set(credit) == set(COLUMNS)
    assert all(len(c) == 0 and c.dtype == np.int64 for c in credit.values())
