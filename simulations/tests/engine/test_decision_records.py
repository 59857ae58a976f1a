"""Typed decision records: declared once in the schema, read only by the phase they name, and
every limit exact at its boundary (just inside passes, just outside fails)."""

from __future__ import annotations

import math
import typing
from dataclasses import fields
from typing import Any

import pytest

from simulations.engine import DecisionError, World
from simulations.engine import schema as sch
from simulations.engine.world import PHASES
from simulations.tests.engine.worlds import small

CTX = sch.DecisionContext(
    n_households=100, avg_wage_cents=500_000, active_bank_ids=(1, 2, 3, 4),
    active_firm_ids=(10, 11, 12, 13, 14, 15, 16), own_worker_ids=(100, 101, 102),
    policy_rate=0.02, own_loan_rate=0.05, excess_reserves_cents=1_000, z_c=3, chi_l=2,
    model_version="v2")
ENABLED = [(t, f) for t in sch.AGENT_TYPES for f in sch.DECISION_SCHEMAS[t] if f.enabled]
NUMBERS = [(t, f) for t, f in ENABLED if f.kind in ("int", "float")]
ID_LISTS = [(t, f) for t, f in ENABLED if f.kind == "ids"]
_PY_TYPE = {"int": int, "float": float, "bool": bool, "id": int, "ids": tuple[int, ...]}


def _id(case: tuple[str, sch.DecisionField]) -> str:
    return f"{case[0]}.{case[1].name}"


def test_one_record_per_agent_type_and_one_slot_per_type_in_a_tick() -> None:
    assert tuple(sch.DECISION_RECORDS) == sch.AGENT_TYPES
    assert tuple(f.name for f in fields(sch.Decisions)) == sch.AGENT_TYPES


@pytest.mark.parametrize("agent_type", sch.AGENT_TYPES)
def test_record_attribute_types_match_the_declared_kind(agent_type: str) -> None:
    record = sch.DECISION_RECORDS[agent_type]
    hints = typing.get_type_hints(record)
    for spec in sch.DECISION_SCHEMAS[agent_type]:
        assert hints[spec.name] == _PY_TYPE[spec.kind] | None, spec.name
        assert getattr(record(), spec.name) is None  # not sent = None


def test_every_enabled_key_names_the_phases_that_read_it() -> None:
    codes = {code for code, _ in PHASES}
    for agent_type, spec in ENABLED:
        assert spec.phases and set(spec.phases) <= codes, (agent_type, spec.name)
    doc = sch.schema_document()["agent_types"]["bank"]["decision"]
    assert {d["name"]: d["phases"] for d in doc}["bill_demand_cents"] == ["P7", "P9b"]


def _every_key_decisions(world: World) -> dict[tuple[str, int], dict[str, Any]]:
    s = world.ctx.s
    workers = [int(i) for i in (s.h.employer == 2).nonzero()[0][:1]]
    return {
        ("household", 0): {"consume_share": 0.4, "participate": True,
                           "reservation_wage_cents": 1, "quit_job": False,
                           "deposit_bank_id": 1, "preferred_sellers": [1, 2]},
        ("household", 1): {"consume_cents": 1_000, "equity_purchase_cents": 5_000,
                           "equity_firm_id": 1},
        ("firm", 1): {"price_cents": 900, "target_workers": 3, "wage_offer_cents": 60_000,
                      "loan_request_cents": 10_000_000, "preferred_banks": [2, 0],
                      "dividend_share": 0.5, "investment_units": 5},
        ("firm", 2): {"fire_ids": workers},
        ("bank", 0): {"loan_rate": 0.06, "deposit_rate": 0.001,
                      "max_loan_per_borrower_cents": 10**9, "max_new_lending_cents": 10**9,
                      "max_borrower_leverage": 0.9, "bill_demand_cents": 0,
                      "dividend_share": 0.5},
        ("central_bank", 0): {"policy_rate": 0.01, "reserve_rate": 0.0},
        ("government", 0): {"income_tax": 0.2, "profit_tax": 0.2, "purchases_units": 100,
                            "benefit_ratio": 0.5, "transfer_per_household_cents": 10},
    }


def test_each_decision_key_is_read_only_in_the_phases_the_schema_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key once: the v1 keys on a v1 world, the v2-only keys on a v2 world."""
    reads: set[tuple[str, str, str]] = set()
    current: list[World] = []
    for agent_type, record in list(sch.DECISION_RECORDS.items()):
        names = {f.name for f in fields(record)}

        def spy(self: Any, name: str, _names: set = names, _t: str = agent_type) -> Any:
            if name in _names:
                reads.add((_t, name, current[0].ctx.ledger.phase))
            return object.__getattribute__(self, name)

        monkeypatch.setitem(sch.DECISION_RECORDS, agent_type,
                            type(record.__name__, (record,), {"__getattribute__": spy}))
    v2_keys = {(t, f.name) for t, f in ENABLED if f.v2_only}
    for version in ("v1", "v2"):
        world = World.create("baseline", small(model_version=version), seed=11)
        current[:] = [world]
        world.step()
        for _ in range(3):
            every = _every_key_decisions(world)
            sent = {ref: {k: v for k, v in raw.items()
                          if ((ref[0], k) in v2_keys) == (version == "v2")}
                    for ref, raw in every.items()}
            result = world.step({ref: raw for ref, raw in sent.items() if raw})
            assert result.rejected == []
    declared = {(t, f.name): set(f.phases) for t, f in ENABLED}
    wrong = {(t, n, p) for t, n, p in reads if p not in declared[t, n]}
    assert not wrong, wrong
    assert {(t, n) for t, n, _ in reads} == set(declared)


@pytest.mark.parametrize("case", NUMBERS, ids=_id)
def test_number_limits_are_exact_at_both_ends(case: tuple[str, sch.DecisionField]) -> None:
    agent_type, spec = case
    lo, hi = spec.lo(CTX, {}), spec.hi(CTX, {})
    if spec.kind == "int":
        inside, outside = (int(lo), int(hi)), (int(lo) - 1, int(hi) + 1)
    else:
        inside = (float(lo), float(hi))
        outside = (math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf))
    for value in inside:
        assert validate(agent_type, spec.name, value) == value
    for value in outside:
        with pytest.raises(DecisionError) as err:
            validate(agent_type, spec.name, value)
        assert err.value.field == spec.name and err.value.value == value


@pytest.mark.parametrize("case", ID_LISTS, ids=_id)
def test_id_list_length_limit_is_exact(case: tuple[str, sch.DecisionField]) -> None:
    agent_type, spec = case
    allowed = list(spec.ids(CTX))
    limit = spec.max_len(CTX)
    assert len(allowed) > limit or spec.name == "fire_ids"
    assert validate(agent_type, spec.name, allowed[:limit]) == allowed[:limit]
    with pytest.raises(DecisionError) as err:
        validate(agent_type, spec.name, (allowed * 2)[:limit + 1])
    assert err.value.field == spec.name


def test_a_cap_that_follows_another_key_is_exact_at_the_sent_value() -> None:
    ok = sch.validate_decision("bank", {"loan_rate": 0.03, "deposit_rate": 0.03}, CTX)
    assert ok["deposit_rate"] == 0.03
    with pytest.raises(DecisionError):
        sch.validate_decision("bank", {"loan_rate": 0.03,
                                       "deposit_rate": math.nextafter(0.03, 1)}, CTX)
    assert sch.validate_decision("central_bank", {"reserve_rate": CTX.policy_rate}, CTX)
    with pytest.raises(DecisionError):
        sch.validate_decision("central_bank",
                              {"reserve_rate": math.nextafter(CTX.policy_rate, 1)}, CTX)


def validate(agent_type: str, key: str, value: Any) -> Any:
    return sch.validate_decision(agent_type, {key: value}, CTX)[key]
