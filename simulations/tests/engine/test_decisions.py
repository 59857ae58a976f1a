"""Script decisions: validated against the schema, applied where used, invalid -> baseline."""

from __future__ import annotations

from simulations.engine import World
from simulations.engine.schema import OBSERVATION_SCHEMAS
from simulations.tests.engine.worlds import small


def test_invalid_decision_falls_back_to_baseline_and_is_reported() -> None:
    plain = World.create("baseline", small(), seed=2)
    world = World.create("baseline", small(), seed=2)
    result = world.step({("firm", 3): {"price_cents": -5}, ("bank", 99): {},
                         ("household", 1): {"consume_share": 0.5, "consume_cents": 10},
                         "firm:2": {"price_cents": 700}, ("firm", True): {}})
    assert result.state_hash == plain.step().state_hash
    fields = {(r["agent"], r["field"]) for r in result.rejected}
    assert ("firm:3", "price_cents") in fields
    assert ("bank:99", "") in fields
    assert ("firm:2:None", "") in fields and ("firm:True", "") in fields
    assert ("household:1", "consume_share") in fields
    assert all(r["tick"] == 1 and r["rule"] for r in result.rejected)


def test_valid_decisions_override_the_baseline_in_their_phase() -> None:
    world = World.create("baseline", small(), seed=2)
    world.step()
    worker = int(world.ctx.s.h.employer.tolist().index(4))
    result = world.step({
        ("firm", 4): {"price_cents": 777, "wage_offer_cents": 600_000, "fire_ids": [worker]},
        ("household", 0): {"consume_cents": 0},
        ("household", 1): {"deposit_bank_id": 2},
        ("central_bank", 0): {"policy_rate": 0.03},
        ("government", 0): {"transfer_per_household_cents": 100},
        ("bank", 0): {"loan_rate": 0.2, "deposit_rate": 0.01},
    })
    s = world.ctx.s
    assert not result.rejected
    assert s.f.price[4] == 777 and s.f.wage[4] == 600_000
    assert s.h.employer[worker] != 4 or s.h.hours[worker] == 1
    assert s.h.consumption[0] == 0 and s.h.bank[1] == 2
    assert result.aggregates["policy_rate"] == 0.03
    assert s.b.i_l[0] == 0.2 and s.b.i_d[0] == 0.01
    assert s.h.inc_transfer.min() >= 100


def test_observations_have_exactly_the_schema_fields() -> None:
    world = World.create("baseline", small(), seed=3)
    world.step()
    refs = [("household", 4), ("firm", 2), ("bank", 1), ("central_bank", 0),
            ("government", 0)]
    obs = world.observations(refs)
    for agent_type, agent_id in refs:
        o = obs[(agent_type, agent_id)]
        schema = OBSERVATION_SCHEMAS[agent_type]
        # `memory` is the script's own state: the orchestrator adds it, not the engine.
        assert set(o) == {f.name for f in schema["top"]} - {"memory"}
        assert set(o["own"]) == {f.name for f in schema["own"]}
        assert set(o["public"]) == {f.name for f in schema["public"]}
        assert o["tick"] == 2


def test_observations_are_plain_json_values_and_seeds_differ_per_agent() -> None:
    import json

    world = World.create("baseline", small(), seed=3)
    world.step()
    obs = world.observations(world.agent_refs("firm")[:3])
    json.dumps(obs[("firm", 0)], allow_nan=False)
    seeds = {o["rng_seed"] for o in obs.values()}
    assert len(seeds) == 3
