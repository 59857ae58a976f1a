"""P0: validate raw script decisions against the schema; invalid ones fall back to baseline."""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import Context
from .errors import DecisionError
from .money import ceil_ppm, to_ppm
from .schema import AGENT_TYPES, DecisionContext, Decisions, validate_decision

_SIZES = {"household": "h", "firm": "f", "bank": "b"}


def agent_count(ctx: Context, agent_type: str) -> int:
    if agent_type in _SIZES:
        return len(getattr(ctx.s, _SIZES[agent_type]))
    return 1


def decision_context(ctx: Context, agent_type: str, agent_id: int) -> DecisionContext:
    s = ctx.s
    extra: dict[str, Any] = {}
    if agent_type == "firm":
        extra["own_worker_ids"] = tuple(np.flatnonzero(s.h.employer == agent_id).tolist())
    elif agent_type == "bank":
        lr_t = ctx.cfg.lr_target0  # the bill-bid target, as in phases.money_market
        extra["own_loan_rate"] = float(s.b.i_l[agent_id])
        extra["excess_reserves_cents"] = max(
            0, int(s.b.res[agent_id]) - ceil_ppm(int(s.b.dep_liab[agent_id]), to_ppm(lr_t)))
    return DecisionContext(
        n_households=len(s.h), avg_wage_cents=int(s.public.get("avg_wage", 0)),
        active_bank_ids=tuple(range(len(s.b))), active_firm_ids=tuple(range(len(s.f))),
        policy_rate=float(s.cb.i_cb[0]), z_c=ctx.cfg.z_c, chi_l=ctx.cfg.chi_l,
        model_version=ctx.cfg.model_version, **extra)


def _order(ref: Any) -> tuple[str, int]:
    """Sorted agent order (type name, then integer id); malformed refs sort first."""
    if isinstance(ref, tuple) and len(ref) == 2 and type(ref[1]) is int:
        return (str(ref[0]), ref[1])
    return ("", -1)


def validate_all(ctx: Context, raw: dict[tuple[str, int], Any]
                 ) -> tuple[Decisions, list[dict[str, Any]]]:
    """Validate every decision in sorted agent order; return accepted and rejection records."""
    accepted = Decisions()
    rejected: list[dict[str, Any]] = []
    tick = ctx.s.tick + 1
    for ref in sorted(raw, key=_order):
        agent_type, agent_id = ref if isinstance(ref, tuple) and len(ref) == 2 else (ref, None)
        record = {"tick": tick, "agent": f"{agent_type}:{agent_id}"}
        if agent_type not in AGENT_TYPES or type(agent_id) is not int \
                or not 0 <= agent_id < agent_count(ctx, agent_type):
            rejected.append({**record, "field": "", "rule": "unknown agent", "value": None})
            continue
        try:
            clean = validate_decision(agent_type, raw[ref],
                                      decision_context(ctx, agent_type, agent_id))
        except DecisionError as err:
            rejected.append({**record, "field": err.field, "rule": err.rule,
                             "value": err.value})
            continue
        accepted.add(agent_type, agent_id, clean)
    return accepted, rejected
