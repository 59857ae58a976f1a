"""Engine postings -> LedgerEntry columns, and the accounts each transaction kind moves.

A posting batch of the engine (`TickResult.postings`) is one kind, one phase and three int64
columns (src, dst, amount); the holder type of each side follows from the kind's accounts
(`simulations.engine.ledger.ACCT_SECTOR`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from history.pgcopy import Column
from simulations.engine.ledger import ACCT_SECTOR, Acct, TransactionKind
from simulations.engine.vocabulary import AGENT_TYPE_CODES

LEDGER_COLUMNS = ["simulation_id", "tick", "phase", "kind", "debit_type", "debit_id",
                  "credit_type", "credit_id", "amount"]
KINDS = tuple(kind.name for kind in TransactionKind)
ACCOUNTS = tuple(acct.value for acct in Acct)
# kind -> (debit account, credit account): what the API shows and the `account` filter reads.
KIND_ACCOUNTS = {kind.name: (kind.value.src.value, kind.value.dst.value)
                 for kind in TransactionKind}


def account_holder_code(account: str) -> int:
    """The agent type code of the holder of an engine account ("dep_h" -> household 0)."""
    return AGENT_TYPE_CODES[ACCT_SECTOR[Acct(account)]]


def kinds_touching(account: str) -> list[str]:
    """The kinds that debit or credit `account`."""
    return [kind for kind, pair in KIND_ACCOUNTS.items() if account in pair]


def posting_columns(simulation_id: int, tick: int,
                    postings: list[dict[str, Any]]) -> list[tuple[list[str], list, int]]:
    batches = []
    for batch in postings:
        amount = np.asarray(batch["amount"], dtype=np.int64)
        n = int(amount.shape[0])
        if n == 0:
            continue
        cols = [
            Column("int8", simulation_id),
            Column("int8", tick),
            Column("text", str(batch["phase"])),
            Column("text", str(batch["kind"])),
            Column("int2", account_holder_code(batch["src_account"])),
            Column("int4", np.asarray(batch["src"], dtype=np.int64)),
            Column("int2", account_holder_code(batch["dst_account"])),
            Column("int4", np.asarray(batch["dst"], dtype=np.int64)),
            Column("int8", amount),
        ]
        batches.append((LEDGER_COLUMNS, cols, n))
    return batches
