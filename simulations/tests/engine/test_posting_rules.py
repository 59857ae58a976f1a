"""Every posting rule: the direction of each kind (who pays, who receives) measured on the
balance sheets, and the rounding of each amount the phases compute (money is floored in
favour of the payer; regulatory floors are rounded up). Flows the default scenario never
produces (advance interest, bailouts, CB loss cover) are exercised here directly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulations.engine import World
from simulations.engine import invariants as inv
from simulations.engine.context import Context
from simulations.engine.ledger import Acct, TransactionKind
from simulations.engine.money import annual_to_tick_ppm
from simulations.engine.phases import goods, money_market, production, settlement
from simulations.tests.engine.worlds import small

K = TransactionKind
A = 12_345
HH, FIRM, BANK = 0, 1, 2  # household 0 banks at bank 0, firm 1 at bank 1; bank 2 is apart

# Who pays and who receives, in economic terms, written independently of the ledger table.
# (payer, payee): the payer's net worth falls by the amount and the payee's rises; "-" marks a
# side whose net worth does not move (a swap of assets, or a book-value change).
FLOWS: dict[str, tuple[str, str]] = {
    "CONSUMPTION": ("household", "firm"), "GOV_PURCHASE": ("government", "firm"),
    "WAGE": ("firm", "household"), "BENEFIT": ("government", "household"),
    "GOV_TRANSFER": ("government", "household"), "GOV_LEVY": ("household", "government"),
    "TAX_H": ("household", "government"), "TAX_F": ("firm", "government"),
    "TAX_B": ("bank", "government"), "LOAN_INTEREST": ("firm", "bank"),
    "DEPOSIT_INTEREST": ("bank", "household"), "DEPOSIT_INTEREST_F": ("bank", "firm"),
    "FIRM_DIVIDEND": ("firm", "household"), "BANK_DIVIDEND": ("bank", "household"),
    "RECAP": ("household", "firm"), "BAIL_IN": ("household", "bank"),
    "BAIL_IN_F": ("firm", "bank"), "CAPITAL_TRANSFER": ("government", "bank"),
    "WRITE_OFF": ("bank", "firm"), "BILL_INTEREST_B": ("government", "bank"),
    "BILL_INTEREST_CB": ("government", "central_bank"),
    "RESERVE_INTEREST": ("central_bank", "bank"), "ADVANCE_INTEREST": ("bank", "central_bank"),
    "CB_REMITTANCE": ("central_bank", "government"),
    "CB_LOSS_COVER": ("government", "central_bank"),
    "INVENTORY_ADD": ("-", "firm"),  # the wage bill becomes stock at cost
    "INVENTORY_COGS": ("firm", "-"), "INVENTORY_SPOILAGE": ("firm", "-"),
    "INVENTORY_HAIRCUT": ("firm", "-"),
    # Model v2 (posted on a v2 world): capital goods and equity.
    "CAPITAL_PURCHASE": ("firm", "firm"), "CAPITAL_ADD": ("-", "firm"),
    "CAPITAL_DEPRECIATION": ("firm", "-"), "CAPITAL_HAIRCUT": ("firm", "-"),
    "EQUITY_PURCHASE": ("household", "firm"),
}
V2_KINDS = frozenset({"CAPITAL_PURCHASE", "CAPITAL_ADD", "CAPITAL_DEPRECIATION",
                      "CAPITAL_HAIRCUT", "EQUITY_PURCHASE"})
# Swaps: no net worth moves; these balance-sheet columns change by +-amount instead.
SWAPS: dict[str, dict[str, int]] = {
    "LOAN_DRAW": {"b.loans[2]": 1, "f.loans[1]": 1, "f.dep[1]": 1, "b.res[2]": -1},
    "LOAN_PRINCIPAL": {"b.loans[2]": -1, "f.loans[1]": -1, "f.dep[1]": -1, "b.res[2]": 1},
    "DEPOSIT_SWITCH": {"h.dep[0]": 0, "b.dep_liab[0]": -1, "b.dep_liab[2]": 1},
    "BILL_PURCHASE_B": {"b.bills[2]": 1, "b.res[2]": -1, "g.bills[0]": 1, "g.ta[0]": 1},
    "BILL_PURCHASE_CB": {"cb.bills[0]": 1, "g.bills[0]": 1, "g.ta[0]": 1},
    "BILL_REDEEM_B": {"b.bills[2]": -1, "b.res[2]": 1, "g.bills[0]": -1, "g.ta[0]": -1},
    "BILL_REDEEM_CB": {"cb.bills[0]": -1, "g.bills[0]": -1, "g.ta[0]": -1},
    "ADVANCE": {"b.adv[2]": 1, "b.res[2]": 1, "cb.adv[0]": 1},
    "ADVANCE_REPAY": {"b.adv[2]": -1, "b.res[2]": -1, "cb.adv[0]": -1},
}
_ID = {Acct.DEP_H: HH, Acct.DEP_F: FIRM, Acct.RES: BANK, Acct.TA: 0, Acct.CB: 0,
       Acct.LOAN: BANK, Acct.LOAN_F: FIRM, Acct.INV: FIRM, Acct.CAP: FIRM}
_AGENT = {"household": HH, "firm": FIRM, "bank": BANK, "central_bank": 0, "government": 0}


def _world(v2: bool = False) -> World:
    world = World.create("baseline", small(**({"model_version": "v2"} if v2 else {})), seed=3)
    s = world.ctx.s
    assert (s.h.bank[HH], s.f.bank[FIRM]) == (0, 1)
    s.b.bills[BANK] += 10 * A  # so that redemptions and repayments have something to undo
    s.g.bills[0] += 10 * A
    s.cb.bills[0] += 10 * A
    s.g.bills[0] += 10 * A
    s.b.adv[BANK] += 10 * A
    s.cb.adv[0] += 10 * A
    s.b.res[BANK] += 10 * A
    s.cb.res_liab[0] += 10 * A
    return world


def _column(s: Any, ref: str) -> int:
    table, rest = ref.split(".")
    col, idx = rest[:-1].split("[")
    return int(getattr(getattr(s, table), col)[int(idx)])


def _post(ctx: Context, kind: TransactionKind, amount: int) -> None:
    spec = kind.value
    extra = {"new_bank": np.array([BANK])} if kind is K.DEPOSIT_SWITCH else {}
    ctx.post(kind, spec.src, spec.dst, _ID[spec.src], _ID[spec.dst], amount, **extra)


def test_every_kind_has_a_direction_case() -> None:
    assert set(FLOWS) | set(SWAPS) == {k.name for k in TransactionKind}
    assert not set(FLOWS) & set(SWAPS)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_flow_moves_net_worth_from_payer_to_payee(name: str) -> None:
    ctx = _world(name in V2_KINDS).ctx
    before = inv.net_worth(ctx.s)
    _post(ctx, K[name], A)
    after = inv.net_worth(ctx.s)
    payer, payee = FLOWS[name]
    moved = {(sector, i): int(after[sector][i] - before[sector][i])
             for sector in after for i in range(len(after[sector]))
             if after[sector][i] != before[sector][i]}
    want = {}
    if payer != "-":
        want[(payer, _AGENT[payer])] = -A
    if payee != "-":
        want[(payee, _AGENT[payee])] = want.get((payee, _AGENT[payee]), 0) + A
    assert moved == {k: v for k, v in want.items() if v}
    if name != "WRITE_OFF":  # the loan contracts are the caller's to cut (bankruptcy.py)
        inv.check_stocks(ctx)


@pytest.mark.parametrize("name", sorted(SWAPS))
def test_swap_moves_the_instruments_and_no_net_worth(name: str) -> None:
    ctx = _world().ctx
    s = ctx.s
    before_nw = inv.net_worth(s)
    before = {ref: _column(s, ref) for ref in SWAPS[name]}
    moved_h = int(s.h.dep[HH])
    _post(ctx, K[name], moved_h if name == "DEPOSIT_SWITCH" else A)
    amount = moved_h if name == "DEPOSIT_SWITCH" else A
    for ref, sign in SWAPS[name].items():
        assert _column(s, ref) - before[ref] == sign * amount, ref
    after_nw = inv.net_worth(s)
    assert all(np.array_equal(before_nw[k], after_nw[k]) for k in after_nw)
    if not name.startswith("LOAN_"):  # the loan contracts are the caller's to update
        inv.check_stocks(ctx)


def test_a_posting_through_the_wrong_accounts_or_negative_is_refused() -> None:
    from simulations.engine.ledger import PostingError

    ctx = _world().ctx
    with pytest.raises(PostingError):
        ctx.post(K.ADVANCE_INTEREST, Acct.CB, Acct.RES, 0, BANK, 1)
    with pytest.raises(PostingError):
        ctx.post(K.TAX_H, Acct.DEP_H, Acct.TA, HH, 0, -1)


# --- rounding and direction of the amounts the phases compute --------------------------------

def _posted(ctx: Context, kind: TransactionKind) -> list[tuple[int, int, int]]:
    return [(int(s), int(d), int(a)) for b in ctx.ledger.batches if b.kind is kind
            for s, d, a in zip(b.src, b.dst, b.amount, strict=True)]


def _fresh(**extra: Any) -> Context:
    world = World.create("baseline", small(**extra), seed=3)
    world.step()
    ctx = world.ctx
    ctx.ledger.clear()
    return ctx


def test_interest_on_cb_advances_is_floored_and_paid_by_the_bank_as_a_cost() -> None:
    ctx = _fresh()
    s, tpy = ctx.s, ctx.cfg.ticks_per_year
    s.cb.i_a[0] = 0.07
    s.b.adv_prev[:] = [0, 999_999_999, 0]
    s.b.res_prev[:] = 0
    rate = annual_to_tick_ppm(0.07, tpy)
    want = 999_999_999 * rate // 1_000_000
    assert 999_999_999 * rate % 1_000_000  # the case has a fraction to round
    s.b.interest_in[:] = 0  # settlement.run starts every tick from zero
    s.b.interest_out[:] = 0
    settlement._interest_and_bills(ctx)
    assert _posted(ctx, K.ADVANCE_INTEREST) == [(1, 0, want)]
    # The bank's interest income holds reserve and bill interest only; advances are a cost.
    bill_income = sum(a for _, d, a in _posted(ctx, K.BILL_INTEREST_B) if d == 1)
    assert int(s.b.interest_in[1]) == bill_income
    deposit_cost = sum(a for b_, _, a in _posted(ctx, K.DEPOSIT_INTEREST) if b_ == 1) + sum(
        a for b_, _, a in _posted(ctx, K.DEPOSIT_INTEREST_F) if b_ == 1)
    assert int(s.b.interest_out[1]) == deposit_cost + want


def test_deposit_reserve_and_bill_interest_are_floored_on_balances_of_t_minus_1() -> None:
    ctx = _fresh()
    s, tpy = ctx.s, ctx.cfg.ticks_per_year
    s.b.i_d[:] = 0.03
    s.cb.i_r[0] = 0.02
    s.h.dep_prev[:] = 0
    s.h.dep_prev[HH] = 123_456_789
    s.f.dep_prev[:] = 0
    s.f.dep_prev[FIRM] = 987_654_321
    s.b.res_prev[:] = [0, 0, 555_555_555]
    s.b.adv_prev[:] = 0
    s.g.bill_rate_ppm[0] = 4_321
    s.b.bills[:] = [0, 0, 77_777_777]
    s.cb.bills[0] = 33_333_333
    d, r = annual_to_tick_ppm(0.03, tpy), annual_to_tick_ppm(0.02, tpy)
    settlement._interest_and_bills(ctx)
    hb, fb = int(s.h.bank[HH]), int(s.f.bank[FIRM])
    assert _posted(ctx, K.DEPOSIT_INTEREST) == [(hb, HH, 123_456_789 * d // 10**6)]
    assert _posted(ctx, K.DEPOSIT_INTEREST_F) == [(fb, FIRM, 987_654_321 * d // 10**6)]
    assert _posted(ctx, K.RESERVE_INTEREST) == [(0, BANK, 555_555_555 * r // 10**6)]
    assert _posted(ctx, K.BILL_INTEREST_B) == [(0, BANK, 77_777_777 * 4_321 // 10**6)]
    assert _posted(ctx, K.BILL_INTEREST_CB) == [(0, 0, 33_333_333 * 4_321 // 10**6)]
    assert _posted(ctx, K.BILL_REDEEM_B) == [(0, BANK, 77_777_777)]
    assert int(s.g.interest[0]) == 77_777_777 * 4_321 // 10**6 + 33_333_333 * 4_321 // 10**6


def test_loan_interest_is_floored_and_paid_by_the_firm_to_the_lender() -> None:
    ctx = _fresh()
    L = ctx.s.loans
    assert len(L) > 0
    L.principal[:] = 1_000_003
    L.rate_ppm[:] = 2_999
    ctx.s.f.dep[:] = 10**12  # nobody defaults
    ctx.s.b.dep_liab += 10**12 * np.bincount(ctx.s.f.bank, minlength=3)
    ctx.s.b.res += 10**12 * np.bincount(ctx.s.f.bank, minlength=3)
    ctx.s.cb.res_liab[0] += 10**12 * len(ctx.s.f)
    settlement._debt_service(ctx)
    want = [(int(f), int(b), 1_000_003 * 2_999 // 10**6) for f, b in zip(L.firm, L.bank,
                                                                          strict=True)]
    assert _posted(ctx, K.LOAN_INTEREST) == want


def test_wage_tax_is_withheld_by_floor_and_paid_to_the_government() -> None:
    ctx = _fresh()
    s = ctx.s
    s.g.income_tax[0] = 0.1234567
    workers = np.flatnonzero((s.h.employer >= 0) & (s.h.hours > 0))
    s.h.wage[workers] = 333_333
    production.run(ctx)
    rate = round(0.1234567 * 10**6)
    assert {a for _, _, a in _posted(ctx, K.TAX_H)} == {333_333 * rate // 10**6}
    assert all(d == 0 for _, d, _ in _posted(ctx, K.TAX_H))


def test_income_profit_taxes_and_dividends_are_floored() -> None:
    ctx = _fresh()
    s = ctx.s
    s.g.income_tax[0] = 0.3
    s.g.profit_tax[0] = 0.21
    s.h.inc_interest[:] = 0
    s.h.inc_div[:] = 0
    s.h.tax_paid[:] = 0
    s.h.inc_interest[HH] = 1_001
    s.h.inc_div[HH] = 2_002
    settlement._income_tax(ctx)
    assert _posted(ctx, K.TAX_H) == [(HH, 0, 3_003 * 300_000 // 10**6)]  # 900.9 -> 900
    f = s.f
    f.revenue[:] = 0
    f.cogs[:] = 0
    f.spoilage[:] = 0
    f.loan_interest[:] = 0
    f.dep_interest[:] = 0
    f.default[:] = False
    f.revenue[FIRM] = 1_000_001
    s.b.interest_in[:] = [0, 0, 777_777]
    s.b.interest_out[:] = 0
    settlement._profit_taxes(ctx)
    assert _posted(ctx, K.TAX_F) == [(FIRM, 0, 1_000_001 * 210_000 // 10**6)]
    assert _posted(ctx, K.TAX_B) == [(BANK, 0, 777_777 * 210_000 // 10**6)]
    ctx.ledger.clear()
    settlement._dividends(ctx)
    after_tax = 1_000_001 - 1_000_001 * 210_000 // 10**6
    paid = sum(a for src, _, a in _posted(ctx, K.FIRM_DIVIDEND) if src == FIRM)
    assert paid == after_tax * round(ctx.cfg.rho_firm * 10**6) // 10**6


def test_benefits_are_floored_and_go_to_unemployed_participants() -> None:
    ctx = _fresh()
    s = ctx.s
    s.public["avg_wage"] = 654_321
    s.g.benefit_ratio[0] = 0.4444444
    settlement._benefits_and_transfers(ctx)
    per_head = 654_321 * 444_444 // 10**6
    posted = _posted(ctx, K.BENEFIT)
    assert posted and {a for *_, a in posted} == {per_head}
    assert all(s.h.employer[h] < 0 or s.h.endow[h] == 0 for _, h, _ in posted)


def test_cb_advances_round_the_liquidity_floor_up_and_repay_only_the_excess() -> None:
    ctx = _fresh(lr_min=0.1)
    b = ctx.s.b
    b.dep_liab[:] = [1_000_001, 1_000_001, 1_000_001]
    b.res[:] = [0, 100_000, 200_000]
    b.adv[:] = [0, 0, 50_000]
    ctx.s.cb.adv[0] = 50_000
    money_market._advances(ctx)
    # ceil(0.1 * 1,000,001) = 100,001: bank 0 borrows all of it, bank 1 one cent
    assert _posted(ctx, K.ADVANCE) == [(0, 0, 100_001), (0, 1, 1)]
    assert _posted(ctx, K.ADVANCE_REPAY) == [(BANK, 0, 50_000)]


def test_cogs_and_spoilage_take_the_floor_of_historical_cost() -> None:
    ctx = _fresh(inventory_depreciation=0.5)
    f = ctx.s.f
    f.x[:] = 0
    f.X[:] = 0
    f.x[FIRM], f.X[FIRM] = 7, 1_000
    goods._spoil(ctx)
    # floor(7 * 0.5) = 3 units perish, at floor(1000 * 3 / 7) = 428 cents
    assert _posted(ctx, K.INVENTORY_SPOILAGE) == [(FIRM, FIRM, 428)]
    assert (int(f.x[FIRM]), int(f.X[FIRM])) == (4, 572)


def test_bank_dividends_are_floored_and_only_paid_by_healthy_banks() -> None:
    ctx = _fresh()
    s = ctx.s
    b = s.b
    s.f.profit[:] = 0
    s.f.tax[:] = 0
    b.profit[:] = [1_000_003, 1_000_003, 0]
    b.tax[:] = [1, 1, 0]
    b.res[0] += b.loans[0]  # bank 0: no loans, same net worth, healthy
    ctx.s.cb.res_liab[0] += b.loans[0]
    b.loans[0] = 0
    b.loans[1] += 10**12  # bank 1: same net worth, capital ratio far below target
    b.dep_liab[1] += 10**12
    settlement._dividends(ctx)
    rho = round(ctx.cfg.rho_bank * 10**6)
    paid = {}
    for src, _, a in _posted(ctx, K.BANK_DIVIDEND):
        paid[src] = paid.get(src, 0) + a
    assert paid == {0: 1_000_002 * rho // 10**6}


def test_an_income_levy_is_capped_at_the_deposit_and_paid_to_the_government() -> None:
    ctx = _fresh()
    s = ctx.s
    s.g.transfer[0] = 0
    s.h.dep[HH] = 300
    shock = np.zeros(len(s.h), dtype=np.int64)
    shock[HH], shock[1] = -1_000, 250
    ctx.handoffs.income_shock = shock
    settlement._benefits_and_transfers(ctx)
    assert _posted(ctx, K.GOV_LEVY) == [(HH, 0, 300)]
    assert _posted(ctx, K.GOV_TRANSFER) == [(0, 1, 250)]
    assert int(s.h.inc_transfer[HH]) == -300


@pytest.mark.parametrize(("cb_net_worth", "kind"), [(5, K.CB_REMITTANCE),
                                                    (-5, K.CB_LOSS_COVER)])
def test_the_cb_remits_its_profit_and_the_government_covers_its_loss(
        cb_net_worth: int, kind: TransactionKind) -> None:
    ctx = _fresh()
    cb = ctx.s.cb
    cb.adv[0] += cb_net_worth - money_market.cb_net_worth(ctx)
    money_market.remit_cb_profit(ctx)
    assert _posted(ctx, kind) == [(0, 0, abs(cb_net_worth))]
    assert money_market.cb_net_worth(ctx) == 0


def test_a_bailout_restores_the_minimum_capital_ratio_rounded_up() -> None:
    from simulations.engine.phases import bankruptcy

    ctx = _fresh(bank_resolution="bailout", cr_min=0.07)
    b = ctx.s.b
    b.loans[BANK] = 1_000_001
    nw = int(b.res[BANK] + b.loans[BANK] + b.bills[BANK] - b.dep_liab[BANK] - b.adv[BANK])
    b.dep_liab[BANK] += nw + 10  # net worth -10
    bankruptcy._banks(ctx)
    # ceil(0.07 * 1,000,001) = 70,001, plus the 10 cents of negative net worth
    assert _posted(ctx, K.CAPITAL_TRANSFER) == [(0, BANK, 70_011)]
    assert ctx.handoffs.bank_failures == 1


def test_cost_of_goods_sold_is_the_floor_of_historical_cost() -> None:
    ctx = _fresh()
    f = ctx.s.f
    f.x[:] = 0
    f.X[:] = 0
    f.cogs[:] = 0
    f.x[FIRM], f.X[FIRM], f.price[FIRM] = 7, 1_000, 3
    s = ctx.s
    s.h.dep[HH] += 100
    s.b.dep_liab[s.h.bank[HH]] += 100
    s.b.res[s.h.bank[HH]] += 100
    goods._sell(ctx, K.CONSUMPTION, Acct.DEP_H, np.array([HH]), np.array([FIRM]),
                np.array([2]))
    assert _posted(ctx, K.CONSUMPTION) == [(HH, FIRM, 6)]
    assert _posted(ctx, K.INVENTORY_COGS) == [(FIRM, FIRM, 285)]  # floor(1000 * 2 / 7)


def test_a_failed_firm_repays_from_its_deposit_then_the_haircut_and_write_off_follow() -> None:
    from simulations.engine.phases import bankruptcy

    ctx = _fresh()
    s = ctx.s
    f, L = s.f, s.loans
    fid = int(L.firm[0])
    owed = int(L.principal[(L.firm == fid) & (L.principal > 0)].sum())
    f.X[fid] = 1_000_003
    f.dep[fid] = min(int(f.dep[fid]), owed // 3)
    dep = int(f.dep[fid])
    f.default[:] = False
    f.default[fid] = True
    bankruptcy._firms(ctx)
    iota = round(ctx.cfg.iota * 10**6)
    x_new = 1_000_003 * (10**6 - iota) // 10**6
    repaid = sum(a for src, _, a in _posted(ctx, K.LOAN_PRINCIPAL) if src == fid)
    assert repaid == min(dep, owed)
    assert _posted(ctx, K.INVENTORY_HAIRCUT) == [(fid, fid, 1_000_003 - x_new)]
    written_off = sum(a for _, dst, a in _posted(ctx, K.WRITE_OFF) if dst == fid)
    assert written_off == max(0, owed - repaid - x_new)
    assert int(f.dep[fid] + f.X[fid] - f.loans[fid]) >= 0


def test_bills_go_to_the_banks_bids_first_and_the_cb_buys_the_rest() -> None:
    ctx = _fresh()
    s = ctx.s
    b, g = s.b, s.g
    lr = round(ctx.cfg.lr_target0 * 10**6)
    floor = [-(-int(d) * lr // 10**6) for d in b.dep_liab]  # LR target rounded up
    b.res[:] = [floor[0] + 400, floor[1] + 1, floor[2]]
    short = 1_000
    g.ta[0] = -short
    money_market._issue_bills(ctx)
    assert _posted(ctx, K.BILL_PURCHASE_B) == [(0, 0, 400), (1, 0, 1)]
    assert _posted(ctx, K.BILL_PURCHASE_CB) == [(0, 0, short - 401)]
