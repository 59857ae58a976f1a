"""Script decisions per agent type: the one source for validation, the phases and the docs.

Which rule each key overrides, the script I/O contract and the rates (annual, with their caps)
are encoded here once. Each agent type has a frozen decision record whose attributes declare the
key's kind, range, meaning and the phases that read it; the engine validates with
`validate_decision` and hands the phases typed records (`Decisions`), the API and the web docs
render `schema_document()` (observations come from observation_schema.py). Pure Python: no
Django, no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import DecisionError
from .observation_schema import MEMORY_KEY, OWN_FIELDS, PUBLIC_FIELDS, TOP_FIELDS, ObsField
from .vocabulary import AGENT_TYPES

MAX_CENTS = 10**15


@dataclass(frozen=True)
class DecisionContext:
    """What a decision's ranges depend on: the state of t-1 as the engine sees it."""

    n_households: int
    avg_wage_cents: int  # average wage of t-1
    active_bank_ids: tuple[int, ...]
    active_firm_ids: tuple[int, ...]
    own_worker_ids: tuple[int, ...] = ()  # firms: ids of households it employs
    policy_rate: float = 0.0  # annual, current i_cb (cap for reserve_rate if not sent)
    own_loan_rate: float = 0.0  # banks: current annual i_L (cap for deposit_rate if not sent)
    excess_reserves_cents: int = 0  # banks: reserves in excess of LR^T*D (bill_demand cap)
    z_c: int = 5
    chi_l: int = 3
    model_version: str = "v1"


Bound = Callable[[DecisionContext, Mapping[str, object]], float]


def _const(x: float) -> Bound:
    return lambda ctx, sent: x


_ZERO: Bound = _const(0)


def _wage_cap(ctx: DecisionContext, sent: Mapping[str, object]) -> float:
    # 100 x avg wage; never below 1 c so the range is not empty before any wage was paid
    return max(1, 100 * ctx.avg_wage_cents)


def _sent_or(key: str, fallback: Callable[[DecisionContext], float]) -> Bound:
    # a cap that follows another key of the same decision when it is sent (validated first)
    return lambda ctx, sent: sent[key] if key in sent else fallback(ctx)


@dataclass(frozen=True)
class DecisionField:
    """One override key. kind: int | float | bool | id (one active id) | ids (list of ids)."""

    name: str
    kind: str
    meaning: str
    phases: tuple[str, ...] = ()  # the tick phases that read it (codes of world.PHASES)
    lo: Bound = _ZERO
    hi: Bound = _ZERO
    range_text: str = ""  # the range as a script author reads it, symbols not numbers
    ids: Callable[[DecisionContext], tuple[int, ...]] | None = None  # id / ids: allowed set
    ids_text: str = ""
    max_len: Callable[[DecisionContext], int] | None = None  # ids: longest list
    excludes: tuple[str, ...] = ()
    enabled: bool = True  # False: documented but rejected in v1
    disabled_rule: str = ""
    v2_only: bool = False  # accepted only by a model-v2 world


def _key(kind: str, phases: str, meaning: str, **rules: Any) -> Any:
    """A decision record attribute: None (not sent) by default, its rules in the metadata."""
    return field(default=None, metadata={
        "rules": {"kind": kind, "meaning": meaning, "phases": tuple(phases.split()), **rules}})


def _int(phases: str, hi: Bound, text: str, meaning: str, lo: int = 0,
         v2_only: bool = False) -> Any:
    return _key("int", phases, meaning, lo=_const(lo), hi=hi, range_text=text,
                v2_only=v2_only)


def _float(phases: str, hi: Bound, text: str, meaning: str) -> Any:
    return _key("float", phases, meaning, lo=_const(0.0), hi=hi, range_text=text)


def _share(phases: str, meaning: str) -> Any:
    return _float(phases, _const(1.0), "[0, 1]", meaning)


def _banks(ctx: DecisionContext) -> tuple[int, ...]:
    return ctx.active_bank_ids


def _firms(ctx: DecisionContext) -> tuple[int, ...]:
    return ctx.active_firm_ids


def _workers(ctx: DecisionContext) -> tuple[int, ...]:
    return ctx.own_worker_ids


# Decision records: one frozen dataclass per agent type. An attribute is None when the script
# did not send the key (the baseline rule applies). Declaration order is validation order.

@dataclass(frozen=True)
class HouseholdDecision:
    consume_share: float | None = _key(
        "float", "P6", "Spend floor(share x cash on hand at P6) on goods this tick.",
        lo=_const(0.0), hi=_const(1.0), range_text="[0, 1]", excludes=("consume_cents",))
    consume_cents: int | None = _key(
        "int", "P6", "Absolute consumption budget in cents, capped at cash on hand.",
        lo=_const(0), hi=_const(MAX_CENTS), range_text="[0, 10^15]",
        excludes=("consume_share",))
    participate: bool | None = _key(
        "bool", "P2", "Labour-force participation (forced false during a health shock).")
    reservation_wage_cents: int | None = _int(
        "P2", lambda c, s: 100 * c.avg_wage_cents, "[0, 100 x avg_wage]",
        "Lowest wage offer (cents per tick) the household accepts.")
    quit_job: bool | None = _key("bool", "P4", "Leave the current employer at P4.")
    deposit_bank_id: int | None = _key(
        "id", "P7", "Move the whole deposit to this bank at P7(8).",
        ids=_banks, ids_text="an active bank id")
    preferred_sellers: tuple[int, ...] | None = _key(
        "ids", "P6", "Firms to visit at P6 instead of the random sample, cheapest first.",
        ids=_firms, ids_text="distinct active firm ids", max_len=lambda c: c.z_c)
    equity_purchase_cents: int | None = _key(
        "int", "P7", "Model v2: buy new shares of equity_firm_id for this many cents at book "
        "value per share, paid from the deposit at P7(5).", lo=_const(0),
        hi=_const(MAX_CENTS), range_text="[0, 10^15]", v2_only=True)
    equity_firm_id: int | None = _key(
        "id", "P7", "Model v2: the firm whose new shares equity_purchase_cents buys.",
        ids=_firms, ids_text="an active firm id", v2_only=True)
    bill_share: float | None = _key(
        "float", "", "Share of wealth held in bills (PC extension).",
        lo=_const(0.0), hi=_const(1.0), range_text="[0, 1]", enabled=False,
        disabled_rule="not available in v1: households hold no bills (PC extension only)")


@dataclass(frozen=True)
class FirmDecision:
    price_cents: int | None = _int("P2", _const(10**9), "[1, 10^9]",
                                   "Posted price per unit, cents.", lo=1)
    target_workers: int | None = _int(
        "P2", lambda c, s: c.n_households, "[0, n_households]",
        "Desired workforce; clipped by what the firm can finance and by matches.")
    wage_offer_cents: int | None = _int(
        "P2", _wage_cap, "[1, 100 x avg_wage]",
        "Wage paid to every worker of the firm, cents per tick.", lo=1)
    loan_request_cents: int | None = _int(
        "P2", _const(MAX_CENTS), "[0, 10^15]",
        "New credit asked for at P3; the banks decide how much is granted.")
    preferred_banks: tuple[int, ...] | None = _key(
        "ids", "P3", "Banks to apply to at P3, in this order.",
        ids=_banks, ids_text="distinct active bank ids", max_len=lambda c: c.chi_l)
    dividend_share: float | None = _share(
        "P7", "Share of post-tax profit paid out, capped by deposits.")
    investment_units: int | None = _int(
        "P2", _const(10**12), "[0, 10^12]",
        "Model v2, consumption-goods firms: capital units to buy at P6 instead of the "
        "capacity-growth rule (bought only as far as deposits and supply allow).",
        v2_only=True)
    fire_ids: tuple[int, ...] | None = _key(
        "ids", "P4", "Workers to separate at P4.",
        ids=_workers, ids_text="distinct ids of the firm's own workers",
        max_len=lambda c: len(c.own_worker_ids))


@dataclass(frozen=True)
class BankDecision:
    loan_rate: float | None = _float("P1", _const(1.0), "[0, 1.0]",
                                     "Annual rate on new loans (i_L).")
    deposit_rate: float | None = _float(
        "P1", _sent_or("loan_rate", lambda c: c.own_loan_rate),
        "[0, loan_rate] (the loan_rate sent, else the bank's current i_L)",
        "Annual rate paid on deposits (i_D).")
    max_loan_per_borrower_cents: int | None = _int(
        "P3", _const(MAX_CENTS), "[0, 10^15]", "Cap on the loan book towards one firm.")
    max_new_lending_cents: int | None = _int(
        "P3", _const(MAX_CENTS), "[0, 10^15]",
        "Cap on new lending this tick; CR_min is enforced on top.")
    max_borrower_leverage: float | None = _share(
        "P3", "Reject applications whose leverage exceeds this.")
    # Bills are issued at P7(9) and again at P9b when the Treasury is still overdrawn.
    bill_demand_cents: int | None = _int(
        "P7 P9b", lambda c, s: max(0, c.excess_reserves_cents), "[0, excess reserves]",
        "Bills bid for at P7(9).")
    dividend_share: float | None = _share("P7", "Share of positive post-tax profit paid out.")


@dataclass(frozen=True)
class CentralBankDecision:
    policy_rate: float | None = _float("P1", _const(0.25), "[0, 0.25]",
                                       "Annual policy rate i_cb (= i_A, i_B).")
    reserve_rate: float | None = _float(
        "P1", _sent_or("policy_rate", lambda c: c.policy_rate),
        "[0, policy_rate] (the policy_rate sent, else the current i_cb)",
        "Annual rate paid on reserves (i_R).")


@dataclass(frozen=True)
class GovernmentDecision:
    income_tax: float | None = _float("P1", _const(0.9), "[0, 0.9]",
                                      "Tax rate on household income.")
    profit_tax: float | None = _float("P1", _const(0.9), "[0, 0.9]",
                                      "Tax rate on firm and bank profits.")
    purchases_units: int | None = _int(
        "P1", _const(MAX_CENTS), "[0, 10^15]",
        "Real purchases in units; at most the stock available at P6 is bought.")
    benefit_ratio: float | None = _float(
        "P1", _const(1.5), "[0, 1.5]",
        "Benefit per unemployed participant as a share of avg_wage.")
    transfer_per_household_cents: int | None = _int(
        "P1", _const(10**9), "[0, 10^9]", "Tax-exempt transfer to every household, paid at P7(3).")


DecisionRecord = (HouseholdDecision | FirmDecision | BankDecision | CentralBankDecision
                  | GovernmentDecision)
DECISION_RECORDS: dict[str, type[DecisionRecord]] = {
    "household": HouseholdDecision,
    "firm": FirmDecision,
    "bank": BankDecision,
    "central_bank": CentralBankDecision,
    "government": GovernmentDecision,
}


def _schema(record: type) -> tuple[DecisionField, ...]:
    return tuple(DecisionField(name=f.name, **f.metadata["rules"]) for f in fields(record))


DECISION_SCHEMAS: dict[str, tuple[DecisionField, ...]] = {
    t: _schema(DECISION_RECORDS[t]) for t in AGENT_TYPES}


@dataclass
class Decisions:
    """The accepted decisions of one tick per agent type, keyed by id in ascending order."""

    household: dict[int, HouseholdDecision] = field(default_factory=dict)
    firm: dict[int, FirmDecision] = field(default_factory=dict)
    bank: dict[int, BankDecision] = field(default_factory=dict)
    central_bank: dict[int, CentralBankDecision] = field(default_factory=dict)
    government: dict[int, GovernmentDecision] = field(default_factory=dict)

    def add(self, agent_type: str, agent_id: int, clean: dict) -> None:
        """Store a decision returned by validate_decision as its agent type's record."""
        frozen = {k: tuple(v) if isinstance(v, list) else v for k, v in clean.items()}
        getattr(self, agent_type)[agent_id] = DECISION_RECORDS[agent_type](**frozen)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _check_number(f: DecisionField, v: object, ctx: DecisionContext,
                  sent: Mapping[str, object]) -> int | float:
    lo, hi = f.lo(ctx, sent), f.hi(ctx, sent)
    rule = f"{f.kind} in [{_fmt(lo)}, {_fmt(hi)}] required"
    if f.kind == "int":
        if type(v) is not int:  # bool and float (even 5.0) are not ints
            raise DecisionError(f.name, rule, v)
    else:
        if type(v) not in (int, float):
            raise DecisionError(f.name, rule, v)
        if type(v) is float and not math.isfinite(v):
            raise DecisionError(f.name, f"finite {rule}", repr(v))
    if not lo <= v <= hi:  # compared before float() so huge ints cannot overflow
        raise DecisionError(f.name, rule, v)
    return v if f.kind == "int" else float(v)


def _check_ids(f: DecisionField, v: object, ctx: DecisionContext) -> int | list[int]:
    allowed = set(f.ids(ctx)) if f.ids else set()
    items = [v] if f.kind == "id" else v
    if f.kind == "ids":
        limit = f.max_len(ctx) if f.max_len else 0
        rule = f"list of at most {limit} {f.ids_text} required"
        if type(v) not in (list, tuple):
            raise DecisionError(f.name, rule, v)
        if len(v) > limit:
            raise DecisionError(f.name, rule, list(v)[:limit + 1])
    else:
        rule = f"{f.ids_text} required"
    for item in items:
        if type(item) is not int:
            raise DecisionError(f.name, f"{rule}: {item!r} is not an int", item)
        if item not in allowed:
            raise DecisionError(f.name, f"{rule}: {item} is not one", item)
    if f.kind == "id":
        return v
    if len(set(items)) != len(items):
        raise DecisionError(f.name, f"{rule}: duplicates are not allowed", list(items))
    return list(items)


def validate_decision(agent_type: str, raw: object, ctx: DecisionContext) -> dict:
    """Return the decision normalised (floats as float, lists as list) or raise DecisionError.

    Only the keys sent are returned; `memory` (the script's state, split off by the sandbox)
    is dropped if still present. The whole decision is rejected on the first broken rule.
    """
    if agent_type not in DECISION_SCHEMAS:
        raise DecisionError("", f"agent type must be one of {', '.join(AGENT_TYPES)}",
                            agent_type)
    if not isinstance(raw, dict):
        raise DecisionError("", "a dict (JSON object) of decision keys required",
                            type(raw).__name__)
    fields = DECISION_SCHEMAS[agent_type]
    by_name = {f.name: f for f in fields}
    for key in raw:
        if type(key) is not str:
            raise DecisionError("", "decision keys must be strings", repr(key))
        if key not in by_name and key != MEMORY_KEY:
            raise DecisionError(key, f"unknown key for a {agent_type}; allowed: "
                                     f"{', '.join(by_name)}", raw[key])
    out: dict = {}
    for f in fields:  # schema order, so a cap that follows another key sees it validated
        if f.name not in raw:
            continue
        v = raw[f.name]
        if not f.enabled:
            raise DecisionError(f.name, f.disabled_rule, v)
        if f.v2_only and ctx.model_version != "v2":
            raise DecisionError(f.name, "only in a model_version v2 world", v)
        for other in f.excludes:
            if other in raw:
                raise DecisionError(f.name, f"cannot be sent together with {other}", v)
        if f.kind == "bool":
            if type(v) is not bool:
                raise DecisionError(f.name, "bool (true or false) required", v)
            out[f.name] = v
        elif f.kind in ("id", "ids"):
            out[f.name] = _check_ids(f, v, ctx)
        else:
            out[f.name] = _check_number(f, v, ctx, out)
    return out


OBSERVATION_SCHEMAS: dict[str, dict[str, tuple[ObsField, ...]]] = {
    t: {"top": TOP_FIELDS, "own": OWN_FIELDS[t], "public": PUBLIC_FIELDS} for t in AGENT_TYPES
}


DECISION_RULES = (
    "A decision is a JSON object; every key is optional and an omitted key keeps the baseline.",
    "Any broken rule rejects the whole decision: the agent uses its baseline rule this tick.",
    "Unknown keys are errors. Integers must be JSON integers (not true/false, not 5.0); "
    "float fields also accept integers; NaN and infinities are errors.",
    "Id lists must hold distinct ids of active agents and respect their length limit.",
    "consume_share and consume_cents cannot be sent together.",
    "Keys marked model v2 are refused by a v1 world (its rules have no capital or equity).",
    f"The key '{MEMORY_KEY}' is not a decision: it is the state handed back next tick.",
)


def _field_doc(f: DecisionField) -> dict:
    doc = {"name": f.name, "type": f.kind, "meaning": f.meaning, "available": f.enabled,
           "phases": list(f.phases)}
    if f.kind in ("int", "float"):
        doc["range"] = f.range_text
    if f.kind in ("id", "ids"):
        doc["range"] = f.ids_text
    if f.excludes:
        doc["excludes"] = list(f.excludes)
    if f.v2_only:
        doc["model_version"] = "v2"
    if not f.enabled:
        doc["rule"] = f.disabled_rule
    return doc


def schema_document() -> dict:
    """Both schemas as plain JSON data, for the API and the web docs pages."""

    def obs(fields: tuple[ObsField, ...]) -> list[dict]:
        return [{"name": f.name, "type": f.type, "unit": f.unit, "meaning": f.meaning}
                for f in fields]

    return {
        "rates": "All rates are annual floats; money is integer cents.",
        "memory_key": MEMORY_KEY,
        "rules": list(DECISION_RULES),
        "agent_types": {
            t: {
                "observation": {part: obs(fields) for part, fields in
                                OBSERVATION_SCHEMAS[t].items()},
                "decision": [_field_doc(f) for f in DECISION_SCHEMAS[t]],
            }
            for t in AGENT_TYPES
        },
    }
