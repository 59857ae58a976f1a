"""The ledger: a closed set of transaction kinds, each with one fixed instrument pair.

A posting moves `amount` from the `src` account to the `dst` account. Money payments settle
through central-bank money: debiting a deposit also takes reserves from the holder's bank and
crediting one gives reserves to it, so inter-bank settlement is exact and netted per batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from .errors import EngineError
from .state import State


class PostingError(EngineError):
    """A posting used an instrument pair its kind does not allow, or a bad amount."""


class Acct(Enum):
    DEP_H = "dep_h"      # household deposit (id = household)
    DEP_F = "dep_f"      # firm deposit (id = firm)
    RES = "res"          # bank reserves / bank own funds (id = bank)
    TA = "ta"            # Treasury account at the CB (id = 0)
    CB = "cb"            # central bank own account (id = 0)
    LOAN = "loan"        # bank's loan asset (id = bank)
    LOAN_F = "loan_f"    # firm's loan liability (id = firm)
    INV = "inv"          # firm inventory at book value (id = firm)
    CAP = "cap"          # firm capital at book value (id = firm; model v2)


# Which sector owns each account side (for per-agent net-worth flows and the TFM).
ACCT_SECTOR = {
    Acct.DEP_H: "household", Acct.DEP_F: "firm", Acct.RES: "bank", Acct.TA: "government",
    Acct.CB: "central_bank", Acct.LOAN: "bank", Acct.LOAN_F: "firm", Acct.INV: "firm",
    Acct.CAP: "firm",
}
_MONEY = (Acct.DEP_H, Acct.DEP_F, Acct.RES, Acct.TA, Acct.CB)


@dataclass(frozen=True)
class KindSpec:
    code: str  # the kind's own name: keeps enum values distinct (equal values would alias)
    src: Acct
    dst: Acct
    nw: tuple[int, int]   # net-worth effect signs on (src agent, dst agent)
    revaluation: bool = False  # recorded in the revaluation/capital-transfer table


class TransactionKind(Enum):
    CONSUMPTION = KindSpec("CONSUMPTION", Acct.DEP_H, Acct.DEP_F, (-1, 1))
    GOV_PURCHASE = KindSpec("GOV_PURCHASE", Acct.TA, Acct.DEP_F, (-1, 1))
    WAGE = KindSpec("WAGE", Acct.DEP_F, Acct.DEP_H, (-1, 1))
    BENEFIT = KindSpec("BENEFIT", Acct.TA, Acct.DEP_H, (-1, 1))
    GOV_TRANSFER = KindSpec("GOV_TRANSFER", Acct.TA, Acct.DEP_H, (-1, 1))
    GOV_LEVY = KindSpec("GOV_LEVY", Acct.DEP_H, Acct.TA, (-1, 1))
    TAX_H = KindSpec("TAX_H", Acct.DEP_H, Acct.TA, (-1, 1))
    TAX_F = KindSpec("TAX_F", Acct.DEP_F, Acct.TA, (-1, 1))
    TAX_B = KindSpec("TAX_B", Acct.RES, Acct.TA, (-1, 1))
    LOAN_DRAW = KindSpec("LOAN_DRAW", Acct.LOAN, Acct.DEP_F, (0, 0))
    LOAN_PRINCIPAL = KindSpec("LOAN_PRINCIPAL", Acct.DEP_F, Acct.LOAN, (0, 0))
    LOAN_INTEREST = KindSpec("LOAN_INTEREST", Acct.DEP_F, Acct.RES, (-1, 1))
    DEPOSIT_INTEREST = KindSpec("DEPOSIT_INTEREST", Acct.RES, Acct.DEP_H, (-1, 1))
    DEPOSIT_INTEREST_F = KindSpec("DEPOSIT_INTEREST_F", Acct.RES, Acct.DEP_F, (-1, 1))
    FIRM_DIVIDEND = KindSpec("FIRM_DIVIDEND", Acct.DEP_F, Acct.DEP_H, (-1, 1))
    BANK_DIVIDEND = KindSpec("BANK_DIVIDEND", Acct.RES, Acct.DEP_H, (-1, 1))
    DEPOSIT_SWITCH = KindSpec("DEPOSIT_SWITCH", Acct.DEP_H, Acct.DEP_H, (0, 0))
    RECAP = KindSpec("RECAP", Acct.DEP_H, Acct.DEP_F, (-1, 1), revaluation=True)
    BAIL_IN = KindSpec("BAIL_IN", Acct.DEP_H, Acct.RES, (-1, 1), revaluation=True)
    BAIL_IN_F = KindSpec("BAIL_IN_F", Acct.DEP_F, Acct.RES, (-1, 1), revaluation=True)
    CAPITAL_TRANSFER = KindSpec("CAPITAL_TRANSFER", Acct.TA, Acct.RES, (-1, 1), revaluation=True)
    WRITE_OFF = KindSpec("WRITE_OFF", Acct.LOAN, Acct.LOAN_F, (-1, 1), revaluation=True)
    INVENTORY_ADD = KindSpec("INVENTORY_ADD", Acct.INV, Acct.INV, (1, 0))
    INVENTORY_COGS = KindSpec("INVENTORY_COGS", Acct.INV, Acct.INV, (-1, 0))
    # Unsold units that perish at the end of the goods market (book value out at historical cost).
    INVENTORY_SPOILAGE = KindSpec("INVENTORY_SPOILAGE", Acct.INV, Acct.INV, (-1, 0))
    INVENTORY_HAIRCUT = KindSpec("INVENTORY_HAIRCUT", Acct.INV, Acct.INV, (-1, 0), revaluation=True)
    BILL_PURCHASE_B = KindSpec("BILL_PURCHASE_B", Acct.RES, Acct.TA, (0, 0))
    BILL_PURCHASE_CB = KindSpec("BILL_PURCHASE_CB", Acct.CB, Acct.TA, (0, 0))
    BILL_REDEEM_B = KindSpec("BILL_REDEEM_B", Acct.TA, Acct.RES, (0, 0))
    BILL_REDEEM_CB = KindSpec("BILL_REDEEM_CB", Acct.TA, Acct.CB, (0, 0))
    BILL_INTEREST_B = KindSpec("BILL_INTEREST_B", Acct.TA, Acct.RES, (-1, 1))
    BILL_INTEREST_CB = KindSpec("BILL_INTEREST_CB", Acct.TA, Acct.CB, (-1, 1))
    RESERVE_INTEREST = KindSpec("RESERVE_INTEREST", Acct.CB, Acct.RES, (-1, 1))
    ADVANCE_INTEREST = KindSpec("ADVANCE_INTEREST", Acct.RES, Acct.CB, (-1, 1))
    ADVANCE = KindSpec("ADVANCE", Acct.CB, Acct.RES, (0, 0))
    ADVANCE_REPAY = KindSpec("ADVANCE_REPAY", Acct.RES, Acct.CB, (0, 0))
    CB_REMITTANCE = KindSpec("CB_REMITTANCE", Acct.CB, Acct.TA, (-1, 1))
    CB_LOSS_COVER = KindSpec("CB_LOSS_COVER", Acct.TA, Acct.CB, (-1, 1))
    # Model v2: capital goods and equity.
    CAPITAL_PURCHASE = KindSpec("CAPITAL_PURCHASE", Acct.DEP_F, Acct.DEP_F, (-1, 1))
    CAPITAL_ADD = KindSpec("CAPITAL_ADD", Acct.CAP, Acct.CAP, (1, 0))
    CAPITAL_DEPRECIATION = KindSpec("CAPITAL_DEPRECIATION", Acct.CAP, Acct.CAP, (-1, 0))
    CAPITAL_HAIRCUT = KindSpec("CAPITAL_HAIRCUT", Acct.CAP, Acct.CAP, (-1, 0), revaluation=True)
    EQUITY_PURCHASE = KindSpec("EQUITY_PURCHASE", Acct.DEP_H, Acct.DEP_F, (-1, 1),
                               revaluation=True)

    @property
    def money_effect(self) -> int:
        """Sign of the change in M (sum of deposits) per unit posted; DEPOSIT_SWITCH nets to 0."""
        spec = self.value
        if spec.src == spec.dst:
            return 0
        deps = (Acct.DEP_H, Acct.DEP_F)
        return int(spec.dst in deps) - int(spec.src in deps)


@dataclass
class Batch:
    kind: TransactionKind
    phase: str
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    # DEPOSIT_SWITCH only: the bank each deposit moves to.
    extra: np.ndarray | None = None


@dataclass
class Ledger:
    """Postings of the current tick, one columnar batch per call."""

    batches: list[Batch] = field(default_factory=list)
    phase: str = "P0"

    def clear(self) -> None:
        self.batches = []


def post(state: State, ledger: Ledger, kind: TransactionKind, src_acct: Acct, dst_acct: Acct,
         src: np.ndarray | int, dst: np.ndarray | int, amount: np.ndarray | int,
         new_bank: np.ndarray | None = None) -> None:
    """Apply one batch of postings of `kind` to the state and log it.

    Zero amounts are dropped; negative ones raise. The (src_acct, dst_acct) pair must be the
    kind's own pair, so a caller cannot route a flow through the wrong instrument.
    """
    spec = kind.value
    if (src_acct, dst_acct) != (spec.src, spec.dst):
        raise PostingError(
            f"{kind.name} moves {spec.src.value}->{spec.dst.value}, "
            f"not {src_acct.value}->{dst_acct.value}"
        )
    amount = np.atleast_1d(np.asarray(amount, dtype=np.int64))
    src = np.broadcast_to(np.asarray(src, dtype=np.int64), amount.shape).copy()
    dst = np.broadcast_to(np.asarray(dst, dtype=np.int64), amount.shape).copy()
    if amount.size and amount.min() < 0:
        raise PostingError(f"{kind.name}: negative amount {int(amount.min())}")
    keep = amount > 0
    if not keep.all():
        src, dst, amount = src[keep], dst[keep], amount[keep]
        new_bank = None if new_bank is None else np.asarray(new_bank, dtype=np.int64)[keep]
    if amount.size == 0:
        return
    if kind is TransactionKind.DEPOSIT_SWITCH:
        _switch_deposits(state, src, np.asarray(new_bank, dtype=np.int64), amount)
    elif spec.src == Acct.INV:
        _inventory(state, kind, src, amount)
    elif spec.src == Acct.CAP:
        sign = 1 if kind is TransactionKind.CAPITAL_ADD else -1
        np.add.at(state.f.K, src, sign * amount)
    elif kind is TransactionKind.LOAN_DRAW:
        _loan_side(state, src, dst, amount, +1)
        _credit(state, Acct.DEP_F, dst, amount)
    elif kind is TransactionKind.LOAN_PRINCIPAL:
        _debit(state, Acct.DEP_F, src, amount)
        _loan_side(state, dst, src, amount, -1)
    elif kind is TransactionKind.WRITE_OFF:
        nb, nf = len(state.b), len(state.f)
        state.b.loans -= _sum_by(src, amount, nb)
        state.f.loans -= _sum_by(dst, amount, nf)
    else:
        _debit(state, spec.src, src, amount)
        _credit(state, spec.dst, dst, amount)
        _bills(state, kind, src, dst, amount)
    ledger.batches.append(Batch(kind, ledger.phase, src, dst, amount, new_bank))


def _sum_by(ids: np.ndarray, amount: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, ids, amount)
    return out


def _debit(state: State, acct: Acct, ids: np.ndarray, amount: np.ndarray) -> None:
    """Take money out of an account, converting it to central-bank money in transit."""
    nb = len(state.b)
    if acct in (Acct.DEP_H, Acct.DEP_F):
        table = state.h if acct == Acct.DEP_H else state.f
        np.subtract.at(table.dep, ids, amount)
        per_bank = _sum_by(table.bank[ids], amount, nb)
        state.b.dep_liab -= per_bank
        state.b.res -= per_bank
        state.cb.res_liab[0] -= int(per_bank.sum())
    elif acct == Acct.RES:
        per_bank = _sum_by(ids, amount, nb)
        state.b.res -= per_bank
        state.cb.res_liab[0] -= int(per_bank.sum())
    elif acct == Acct.TA:
        total = int(amount.sum())
        state.g.ta[0] -= total
        state.cb.ta_liab[0] -= total
    elif acct == Acct.CB:
        pass  # the CB creates base money: its own net worth absorbs the payment
    else:
        raise PostingError(f"cannot debit money from {acct.value}")


def _credit(state: State, acct: Acct, ids: np.ndarray, amount: np.ndarray) -> None:
    nb = len(state.b)
    if acct in (Acct.DEP_H, Acct.DEP_F):
        table = state.h if acct == Acct.DEP_H else state.f
        np.add.at(table.dep, ids, amount)
        per_bank = _sum_by(table.bank[ids], amount, nb)
        state.b.dep_liab += per_bank
        state.b.res += per_bank
        state.cb.res_liab[0] += int(per_bank.sum())
    elif acct == Acct.RES:
        per_bank = _sum_by(ids, amount, nb)
        state.b.res += per_bank
        state.cb.res_liab[0] += int(per_bank.sum())
    elif acct == Acct.TA:
        total = int(amount.sum())
        state.g.ta[0] += total
        state.cb.ta_liab[0] += total
    elif acct == Acct.CB:
        pass
    else:
        raise PostingError(f"cannot credit money to {acct.value}")


def _bills(state: State, kind: TransactionKind, src: np.ndarray, dst: np.ndarray,
           amount: np.ndarray) -> None:
    """The non-money legs of bill and advance postings (the money legs ran already)."""
    K = TransactionKind
    total = int(amount.sum())
    nb = len(state.b)
    if kind is K.BILL_PURCHASE_B:
        state.b.bills += _sum_by(src, amount, nb)
        state.g.bills[0] += total
    elif kind is K.BILL_PURCHASE_CB:
        state.cb.bills[0] += total
        state.g.bills[0] += total
    elif kind is K.BILL_REDEEM_B:
        state.b.bills -= _sum_by(dst, amount, nb)
        state.g.bills[0] -= total
    elif kind is K.BILL_REDEEM_CB:
        state.cb.bills[0] -= total
        state.g.bills[0] -= total
    elif kind is K.ADVANCE:
        state.b.adv += _sum_by(dst, amount, nb)
        state.cb.adv[0] += total
    elif kind is K.ADVANCE_REPAY:
        state.b.adv -= _sum_by(src, amount, nb)
        state.cb.adv[0] -= total


def _loan_side(state: State, bank: np.ndarray, firm: np.ndarray, amount: np.ndarray,
               sign: int) -> None:
    """A loan is drawn (sign +1: lender pays reserves out) or repaid (-1: lender gets them)."""
    per_bank = _sum_by(bank, amount, len(state.b))
    state.b.loans += sign * per_bank
    state.f.loans += sign * _sum_by(firm, amount, len(state.f))
    state.b.res -= sign * per_bank
    state.cb.res_liab[0] -= sign * int(per_bank.sum())


def _inventory(state: State, kind: TransactionKind, firm: np.ndarray, amount: np.ndarray) -> None:
    sign = 1 if kind is TransactionKind.INVENTORY_ADD else -1
    np.add.at(state.f.X, firm, sign * amount)


def _switch_deposits(state: State, holder: np.ndarray, new_bank: np.ndarray,
                     amount: np.ndarray) -> None:
    """Move whole household deposits to another bank; reserves follow them."""
    nb = len(state.b)
    old = state.h.bank[holder]
    out, inn = _sum_by(old, amount, nb), _sum_by(new_bank, amount, nb)
    state.b.dep_liab += inn - out
    state.b.res += inn - out
    state.h.bank[holder] = new_bank
