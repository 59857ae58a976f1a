import json
import math

import pytest

from simulations.engine.errors import DecisionError
from simulations.engine.schema import (
    AGENT_TYPES,
    DECISION_SCHEMAS,
    OBSERVATION_SCHEMAS,
    DecisionContext,
    schema_document,
    validate_decision,
)

CTX = DecisionContext(
    n_households=100,
    avg_wage_cents=500_000,
    active_bank_ids=(1, 2, 3, 4),
    active_firm_ids=(10, 11, 12, 13, 14, 15, 16),
    own_worker_ids=(100, 101, 102),
    policy_rate=0.02,
    own_loan_rate=0.05,
    excess_reserves_cents=1_000,
    model_version="v2",
)

# (agent type, key) -> (valid values, invalid values); every enabled key must appear here
CASES: dict[tuple[str, str], tuple[list, list]] = {
    ("household", "consume_share"): ([0, 0.5, 1.0], [-0.1, 1.01, "0.5", None, True]),
    ("household", "consume_cents"): ([0, 10**15], [-1, 10**15 + 1, 5.0, False, "1"]),
    ("household", "participate"): ([True, False], [1, 0, "yes", None]),
    ("household", "reservation_wage_cents"): ([0, 50_000_000], [-1, 50_000_001, 1.5, True]),
    ("household", "quit_job"): ([True], [1, "true"]),
    ("household", "deposit_bank_id"): ([1, 4], [99, 0, True, 1.0, "1", [1]]),
    ("household", "equity_purchase_cents"): ([0, 10**15], [-1, 10**15 + 1, 5.0, True]),
    ("household", "equity_firm_id"): ([10, 16], [9, 99, True, 10.0, [10]]),
    ("household", "preferred_sellers"): (
        [[], [10, 11, 12, 13, 14]],
        [[10, 11, 12, 13, 14, 15], [10, 10], [99], [True], [10.0], 10, "10", {"a": 1}],
    ),
    ("firm", "price_cents"): ([1, 10**9], [0, 10**9 + 1, 660.0, True]),
    ("firm", "target_workers"): ([0, 100], [-1, 101, 2.0, False]),
    ("firm", "wage_offer_cents"): ([1, 50_000_000], [0, 50_000_001, 1e3, True]),
    ("firm", "loan_request_cents"): ([0, 10**15], [-1, 10**15 + 1, 1.0]),
    ("firm", "preferred_banks"): ([[1], [3, 2, 1]], [[1, 2, 3, 4], [1, 1], [7], 1, [None]]),
    ("firm", "dividend_share"): ([0, 0.9, 1], [-0.01, 1.5, "x"]),
    ("firm", "investment_units"): ([0, 10**12], [-1, 10**12 + 1, 3.0, False]),
    ("firm", "fire_ids"): ([[], [100, 102]], [[103], [100, 100], [100, 101, 102, 100], 100]),
    ("bank", "loan_rate"): ([0, 0.07, 1], [-0.01, 1.01, True, "0.1"]),
    ("bank", "deposit_rate"): ([0, 0.05], [0.051, -1e-9, False]),
    ("bank", "max_loan_per_borrower_cents"): ([0, 10**15], [-1, 10**15 + 1, 0.0]),
    ("bank", "max_new_lending_cents"): ([0, 10**15], [-5, 10**16, 3.3]),
    ("bank", "max_borrower_leverage"): ([0, 0.8, 1], [1.1, -0.5, None]),
    ("bank", "bill_demand_cents"): ([0, 1_000], [1_001, -1, 10.0]),
    ("bank", "dividend_share"): ([0.6], [2, -1]),
    ("central_bank", "policy_rate"): ([0, 0.25, 0.1], [0.26, -0.01, True]),
    ("central_bank", "reserve_rate"): ([0, 0.02], [0.021, -0.1, "0"]),
    ("government", "income_tax"): ([0, 0.9], [0.91, -0.1]),
    ("government", "profit_tax"): ([0.18], [0.95, None]),
    ("government", "purchases_units"): ([0, 10**15], [-1, 10**15 + 1, 1.0]),
    ("government", "benefit_ratio"): ([0, 1.5], [1.51, -1]),
    ("government", "transfer_per_household_cents"): ([0, 10**9], [10**9 + 1, -1, 5.5]),
}


def test_v2_keys_are_refused_by_a_v1_world_naming_the_rule() -> None:
    v1 = DecisionContext(**{**CTX.__dict__, "model_version": "v1"})
    for agent_type, raw in (("household", {"equity_purchase_cents": 5, "equity_firm_id": 10}),
                            ("firm", {"investment_units": 3})):
        with pytest.raises(DecisionError) as err:
            validate_decision(agent_type, raw, v1)
        assert err.value.rule == "only in a model_version v2 world"
        assert validate_decision(agent_type, raw, CTX) == raw
    doc = schema_document()["agent_types"]["firm"]["decision"]
    assert [d.get("model_version") for d in doc if d["name"] == "investment_units"] == ["v2"]


def test_every_enabled_key_has_cases() -> None:
    keys = {(t, f.name) for t in AGENT_TYPES for f in DECISION_SCHEMAS[t] if f.enabled}
    assert keys == set(CASES)


@pytest.mark.parametrize(("agent_type", "key"), sorted(CASES))
def test_valid_values_are_accepted(agent_type: str, key: str) -> None:
    for value in CASES[agent_type, key][0]:
        out = validate_decision(agent_type, {key: value}, CTX)
        assert out == {key: value}
        assert type(out[key]) is type(value) or isinstance(out[key], float | list)


@pytest.mark.parametrize(("agent_type", "key"), sorted(CASES))
def test_invalid_values_are_rejected_naming_the_field(agent_type: str, key: str) -> None:
    for value in CASES[agent_type, key][1]:
        with pytest.raises(DecisionError) as err:
            validate_decision(agent_type, {key: value}, CTX)
        assert err.value.field == key, value
        assert err.value.rule
        assert key in str(err.value)


def test_int_is_accepted_for_float_fields_and_normalised() -> None:
    out = validate_decision("firm", {"dividend_share": 1}, CTX)
    assert out == {"dividend_share": 1.0} and type(out["dividend_share"]) is float


def test_rule_is_a_human_sentence_with_numbers() -> None:
    with pytest.raises(DecisionError) as err:
        validate_decision("firm", {"price_cents": -5}, CTX)
    assert err.value.rule == "int in [1, 1000000000] required"
    assert err.value.value == -5


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_rejected(bad: float) -> None:
    with pytest.raises(DecisionError, match="finite") as err:
        validate_decision("bank", {"loan_rate": bad}, CTX)
    assert err.value.field == "loan_rate"


def test_huge_int_for_float_field_is_out_of_range_not_a_crash() -> None:
    with pytest.raises(DecisionError) as err:
        validate_decision("government", {"income_tax": 10**400}, CTX)
    assert err.value.field == "income_tax"


@pytest.mark.parametrize("raw", [None, [], "x", 3, [("price_cents", 5)]])
def test_non_dict_decision_is_rejected(raw: object) -> None:
    with pytest.raises(DecisionError) as err:
        validate_decision("firm", raw, CTX)
    assert err.value.field == ""
    assert "dict" in err.value.rule


def test_non_string_key_is_rejected() -> None:
    with pytest.raises(DecisionError, match="strings"):
        validate_decision("firm", {1: 5}, CTX)


def test_unknown_key_is_rejected_and_named() -> None:
    with pytest.raises(DecisionError) as err:
        validate_decision("household", {"consume_share": 0.5, "price_cents": 5}, CTX)
    assert err.value.field == "price_cents"
    assert "consume_share" in err.value.rule  # lists what is allowed


def test_unknown_agent_type_is_rejected() -> None:
    with pytest.raises(DecisionError, match="agent type"):
        validate_decision("alien", {}, CTX)


def test_whole_decision_rejected_when_one_key_is_bad() -> None:
    with pytest.raises(DecisionError) as err:
        validate_decision("firm", {"price_cents": 700, "dividend_share": 2.0}, CTX)
    assert err.value.field == "dividend_share"


def test_consume_share_and_consume_cents_are_mutually_exclusive() -> None:
    with pytest.raises(DecisionError, match="together") as err:
        validate_decision("household", {"consume_share": 0.5, "consume_cents": 10}, CTX)
    assert err.value.field in {"consume_share", "consume_cents"}


def test_bill_share_is_rejected_in_v1_with_its_reason() -> None:
    with pytest.raises(DecisionError, match="PC extension") as err:
        validate_decision("household", {"bill_share": 0.2}, CTX)
    assert err.value.field == "bill_share"


def test_empty_decision_is_valid_and_memory_is_dropped() -> None:
    assert validate_decision("central_bank", {}, CTX) == {}
    assert validate_decision("firm", {"memory": {"x": 1}, "price_cents": 5}, CTX) == {
        "price_cents": 5
    }


def test_reserve_rate_cap_follows_the_policy_rate_sent() -> None:
    assert validate_decision("central_bank", {"policy_rate": 0.1, "reserve_rate": 0.08}, CTX)
    with pytest.raises(DecisionError) as err:
        validate_decision("central_bank", {"policy_rate": 0.01, "reserve_rate": 0.015}, CTX)
    assert err.value.field == "reserve_rate"
    assert "0.01" in err.value.rule


def test_deposit_rate_cap_follows_the_loan_rate_sent() -> None:
    assert validate_decision("bank", {"loan_rate": 0.2, "deposit_rate": 0.15}, CTX)
    with pytest.raises(DecisionError) as err:
        validate_decision("bank", {"loan_rate": 0.01, "deposit_rate": 0.02}, CTX)
    assert err.value.field == "deposit_rate"


def test_ids_must_be_active_and_distinct() -> None:
    ctx = DecisionContext(5, 100, active_bank_ids=(2,), active_firm_ids=(7, 8))
    with pytest.raises(DecisionError, match="not one") as err:
        validate_decision("household", {"deposit_bank_id": 1}, ctx)
    assert err.value.field == "deposit_bank_id"
    with pytest.raises(DecisionError, match="duplicates"):
        validate_decision("household", {"preferred_sellers": [7, 7]}, ctx)
    with pytest.raises(DecisionError, match="at most 5"):
        validate_decision("household", {"preferred_sellers": [7, 8, 7, 8, 7, 8]}, ctx)


def test_wage_ranges_never_empty_before_any_wage() -> None:
    ctx = DecisionContext(5, 0, active_bank_ids=(), active_firm_ids=())
    assert validate_decision("firm", {"wage_offer_cents": 1}, ctx) == {"wage_offer_cents": 1}


def test_schema_document_is_json_and_covers_every_key() -> None:
    doc = json.loads(json.dumps(schema_document()))
    assert doc["rules"] and all(isinstance(rule, str) for rule in doc["rules"])
    for agent_type in AGENT_TYPES:
        entry = doc["agent_types"][agent_type]
        names = [d["name"] for d in entry["decision"]]
        assert names == [f.name for f in DECISION_SCHEMAS[agent_type]]
        assert all(d["meaning"] and d["type"] for d in entry["decision"])
        for part, fields in OBSERVATION_SCHEMAS[agent_type].items():
            assert [f["name"] for f in entry["observation"][part]] == [x.name for x in fields]
            assert all(f["type"] and f["meaning"] for f in entry["observation"][part])


def test_observation_schemas_list_the_contract_fields() -> None:
    public = {f.name for f in OBSERVATION_SCHEMAS["firm"]["public"]}
    assert {"cpi", "inflation_tick", "inflation_4t", "avg_wage", "unemployment_rate",
            "vacancy_rate", "gdp", "gdp_real", "i_cb", "i_R", "avg_i_L", "avg_i_D", "i_B",
            "income_tax", "profit_tax", "benefit", "government_deficit", "government_debt",
            "loans", "bankruptcies",
            "firm_posted", "bank_posted"} <= public
    for agent_type in AGENT_TYPES:
        top = {f.name for f in OBSERVATION_SCHEMAS[agent_type]["top"]}
        assert top == {"tick", "own", "public", "rng_seed", "memory"}
        own = [f.name for f in OBSERVATION_SCHEMAS[agent_type]["own"]]
        assert len(own) == len(set(own)) > 3
