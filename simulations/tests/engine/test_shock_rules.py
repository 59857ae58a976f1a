"""Admin shocks: every field's accepted edges and refusals, the normalised request, target
selection, the active window, and what each type does to the economy."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.engine import ConfigError, World
from simulations.engine.rng import MAX_SHOCKS
from simulations.engine.shocks import SHOCK_TYPES, active, validate_shock
from simulations.tests.engine.worlds import small

N_H, N_F = 300, 12


def _ok(raw: dict, now: int = 0) -> dict:
    return validate_shock(raw, N_H, N_F, now)


def _refused(raw: object, now: int = 0) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        validate_shock(raw, N_H, N_F, now)
    return err.value


def test_a_minimal_request_is_normalised_with_its_defaults() -> None:
    assert _ok({"type": "unemployment"}, now=5) == {
        "type": "unemployment", "target": {"all": True}, "params": {}, "start_tick": 6,
        "duration_ticks": 1, "selected": None}
    assert SHOCK_TYPES == ("unemployment", "income", "preference", "health", "productivity",
                           "policy_override")


@pytest.mark.parametrize("raw", [None, [], "income", 3])
def test_a_request_that_is_not_an_object_is_refused(raw: object) -> None:
    err = _refused(raw)
    assert (err.field, err.rule) == ("shock", "an object required")


def test_start_and_duration_edges() -> None:
    assert _ok({"type": "unemployment", "start_tick": 4}, now=3)["start_tick"] == 4
    for start in (3, 2, True, 4.0, "4"):
        err = _refused({"type": "unemployment", "start_tick": start}, now=3)
        assert (err.field, err.rule) == ("start_tick", "int > current tick 3 required")
    for duration in (1, 10**6):
        assert _ok({"type": "unemployment", "duration_ticks": duration})["duration_ticks"] \
            == duration
    for duration in (0, -1, 10**6 + 1, True, 2.0):
        err = _refused({"type": "unemployment", "duration_ticks": duration})
        assert (err.field, err.rule) == ("duration_ticks", "int in [1, 1000000] required")


@pytest.mark.parametrize(("typ", "key", "lo", "hi", "number"), [
    ("income", "cents_per_household", -(10**9), 10**9, int),
    ("preference", "factor", 0.0, 3.0, float),
    ("health", "hazard", 0.0, 1.0, float),
    ("productivity", "factor", 0.1, 10.0, float),
])
def test_every_shock_parameter_takes_both_edges_and_refuses_beyond(typ: str, key: str, lo: float,
                                                                   hi: float,
                                                                   number: type) -> None:
    for edge in (lo, hi):
        got = _ok({"type": typ, "params": {key: edge}})["params"][key]
        assert got == edge and type(got) is number
    step = 1 if number is int else 1e-9
    for value in (lo - step, hi + step, True, None, "1", float("nan"), float("inf")):
        err = _refused({"type": typ, "params": {key: value}})
        assert (err.field, err.rule) == (f"params.{key}",
                                         f"{number.__name__} in [{lo}, {hi}] required")


def test_float_parameters_take_whole_numbers_and_int_parameters_refuse_floats() -> None:
    assert _ok({"type": "preference", "params": {"factor": 2}})["params"] == {"factor": 2.0}
    err = _refused({"type": "income", "params": {"cents_per_household": 100.0}})
    assert err.field == "params.cents_per_household"


def test_required_and_optional_parameters() -> None:
    for typ, key in (("income", "cents_per_household"), ("preference", "factor"),
                     ("productivity", "factor")):
        err = _refused({"type": typ})
        assert (err.field, err.rule) == (f"params.{key}", "required")
    assert _ok({"type": "health"})["params"] == {}  # no hazard: every target falls ill
    err = _refused({"type": "unemployment", "params": {"factor": 1}})
    assert (err.field, err.rule) == ("params.factor", "unknown parameter")
    err = _refused({"type": "health", "params": [0.5]})
    assert (err.field, err.rule) == ("params", "an object required")


@pytest.mark.parametrize(("key", "lo", "hi"), [
    ("policy_rate", 0.0, 0.25), ("reserve_rate", 0.0, 0.25), ("income_tax", 0.0, 0.9),
    ("profit_tax", 0.0, 0.9), ("benefit_ratio", 0.0, 1.5), ("purchases_units", 0, 10**15),
    ("transfer_per_household_cents", 0, 10**9),
])
def test_every_policy_override_key_takes_both_edges_and_refuses_beyond(key: str, lo: float,
                                                                       hi: float) -> None:
    for edge in (lo, hi):
        shock = _ok({"type": "policy_override", "params": {key: edge}})
        assert shock["params"] == {key: edge} and shock["target"] == {"all": True}
    step = 1 if isinstance(lo, int) else 1e-9
    bad = [lo - step, hi + step, True, None, "0.1", float("nan")]
    if isinstance(lo, int):
        bad.append(float(hi))  # counts and cents are whole numbers
    for value in bad:
        err = _refused({"type": "policy_override", "params": {key: value}})
        assert (err.field, err.rule) == (f"params.{key}", f"number in [{lo}, {hi}] required")


def test_policy_override_needs_a_known_key_and_ignores_the_target() -> None:
    err = _refused({"type": "policy_override", "params": {}})
    assert (err.field, err.rule) == ("params", "at least one policy key required")
    err = _refused({"type": "policy_override"})
    assert err.field == "params"
    err = _refused({"type": "policy_override", "params": {"policy_rate": 0.1, "vat": 0.2}})
    assert (err.field, err.rule) == ("params.vat", "unknown policy key")
    shock = _ok({"type": "policy_override", "params": {"income_tax": 0.3},
                 "target": {"ids": [1]}})
    assert shock["target"] == {"all": True}


@pytest.mark.parametrize("target", [{}, {"all": True, "employed": True}, [], "all", None])
def test_a_target_needs_exactly_one_kind(target: object) -> None:
    err = _refused({"type": "unemployment", "target": target})
    assert (err.field, err.rule) == (
        "target", "exactly one of all, random_share, ids, unemployed, employed")


def test_target_kinds_and_their_edges() -> None:
    def target(raw: dict, typ: str = "unemployment") -> dict:
        params = {"factor": 1.5} if typ == "productivity" else (
            {"cents_per_household": 1} if typ == "income" else {})
        return _ok({"type": typ, "target": raw, "params": params})["target"]

    assert target({"all": True}) == {"all": True}
    assert target({"random_share": 1}) == {"random_share": 1.0}
    assert target({"random_share": 1e-9}) == {"random_share": 1e-9}
    assert target({"ids": [5, 0, 5, N_H - 1]}) == {"ids": [0, 5, N_H - 1]}
    assert target({"ids": [N_F - 1]}, "productivity") == {"ids": [N_F - 1]}
    assert target({"employed": True}) == {"employed": True}
    assert target({"unemployed": True}, "income") == {"unemployed": True}
    for share in (0, -0.5, 1.0001, True, "0.5", None):
        err = _refused({"type": "unemployment", "target": {"random_share": share}})
        assert (err.field, err.rule) == ("target.random_share", "float in (0, 1] required")
    for ids in ([], [1.0], [True], "1", [-1], [N_H]):
        err = _refused({"type": "unemployment", "target": {"ids": ids}})
        assert err.field == "target.ids"
    err = _refused({"type": "productivity", "params": {"factor": 2}, "target": {"ids": [N_F]}})
    assert (err.field, err.rule) == ("target.ids", f"ids in [0, {N_F - 1}] required")
    for kind in ("employed", "unemployed"):  # firms are neither
        err = _refused({"type": "productivity", "params": {"factor": 2}, "target": {kind: True}})
        assert (err.field, err.rule) == ("target", f"unknown target {kind!r}")
    err = _refused({"type": "unemployment", "target": {"rich": True}})
    assert (err.field, err.rule) == ("target", "unknown target 'rich'")


def test_a_shock_is_active_from_its_start_for_its_duration() -> None:
    shock = _ok({"type": "unemployment", "start_tick": 5, "duration_ticks": 3})
    assert [t for t in range(10) if active(shock, t)] == [5, 6, 7]


def test_the_queue_takes_at_most_max_shocks_and_add_shock_returns_a_copy() -> None:
    world = World.create("baseline", small(), seed=1)
    shock = world.add_shock({"type": "unemployment", "start_tick": 3})
    shock["start_tick"] = 99
    assert world.ctx.s.shocks[0]["start_tick"] == 3
    world.ctx.s.shocks.extend(dict(shock) for _ in range(MAX_SHOCKS - 2))
    world.add_shock({"type": "unemployment"})
    assert len(world.ctx.s.shocks) == MAX_SHOCKS
    with pytest.raises(ConfigError) as err:
        world.add_shock({"type": "unemployment"})
    assert (err.value.field, err.value.rule) == ("shock",
                                                 f"at most {MAX_SHOCKS} shocks can be queued")


def test_random_share_targets_are_drawn_once_and_kept() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "income", "target": {"random_share": 0.25},
                     "params": {"cents_per_household": 1_000}, "start_tick": 1,
                     "duration_ticks": 3})
    world.step()
    chosen = list(world.ctx.s.shocks[0]["selected"])
    assert 0.15 * N_H < len(chosen) < 0.35 * N_H
    got = [int(x) for x in np.flatnonzero(world.ctx.s.h.inc_transfer == 1_000)]
    assert got == chosen
    world.step()
    assert world.ctx.s.shocks[0]["selected"] == chosen
    assert [int(x) for x in np.flatnonzero(world.ctx.s.h.inc_transfer == 1_000)] == chosen


def test_income_transfers_are_paid_only_in_the_active_ticks_and_the_shock_then_dropped() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "income", "target": {"ids": [3, 4]},
                     "params": {"cents_per_household": 2_500}, "start_tick": 2,
                     "duration_ticks": 2})
    world.add_shock({"type": "income", "target": {"ids": [4]},
                     "params": {"cents_per_household": -500}, "start_tick": 3})
    paid = []
    for _ in range(5):
        world.step()
        paid.append([int(world.ctx.s.h.inc_transfer[i]) for i in (2, 3, 4)])
    assert paid == [[0, 0, 0], [0, 2_500, 2_500], [0, 2_500, 2_000], [0, 0, 0], [0, 0, 0]]
    assert world.ctx.s.shocks == []


def test_employed_and_unemployed_targets_follow_work_status_at_the_start() -> None:
    world = World.create("baseline", small(), seed=1)
    world.step()
    h = world.ctx.s.h
    employed = {int(i) for i in np.flatnonzero(h.employer >= 0)}
    jobless = {int(i) for i in np.flatnonzero((h.employer < 0) & h.participate)}
    assert employed and jobless
    world.add_shock({"type": "income", "target": {"employed": True},
                     "params": {"cents_per_household": 7}, "start_tick": 2})
    world.add_shock({"type": "income", "target": {"unemployed": True},
                     "params": {"cents_per_household": 11}, "start_tick": 2})
    world.step()
    s = world.ctx.s
    assert {int(i) for i in np.flatnonzero(s.h.inc_transfer == 7)} == employed
    assert {int(i) for i in np.flatnonzero(s.h.inc_transfer == 11)} == jobless


def test_health_shock_with_a_hazard_makes_only_some_targets_ill_for_its_duration() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "health", "target": {"all": True}, "params": {"hazard": 0.2},
                     "start_tick": 1, "duration_ticks": 2})
    world.step()
    h = world.ctx.s.h
    ill = np.flatnonzero(h.health_until > 0)
    assert 0.1 * N_H < len(ill) < 0.3 * N_H
    assert set(h.health_until[ill].tolist()) == {4}  # start + duration + 1
    assert (h.employer[ill] == -1).all() and (h.wage[ill] == 0).all()
    assert (h.hours[ill] == 0).all()
    world.step()  # the second active tick draws again: more fall ill
    assert len(np.flatnonzero(h.health_until > 0)) > len(ill)
    for _ in range(2):
        world.step()
    assert not world.observations([("household", int(ill[0]))])[
        ("household", int(ill[0]))]["own"]["health_shock"]


def test_a_preference_shock_sets_the_factor_for_its_window() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "preference", "target": {"ids": [1, 2]}, "params": {"factor": 2.5},
                     "start_tick": 2, "duration_ticks": 2})
    seen = []
    for _ in range(5):
        world.step()
        seen.append(world.observations([("household", 1)])[("household", 1)]["own"][
            "preference_factor"])
    assert seen == [1.0, 2.5, 2.5, 1.0, 1.0]
    assert world.ctx.s.h.kappa_until[1] == 5 and world.ctx.s.h.kappa_until[0] == 0


def test_productivity_factors_of_overlapping_shocks_multiply() -> None:
    world = World.create("baseline", small(), seed=1)
    world.add_shock({"type": "productivity", "target": {"ids": [0, 1]},
                     "params": {"factor": 2.0}, "start_tick": 1, "duration_ticks": 2})
    world.add_shock({"type": "productivity", "target": {"ids": [1]},
                     "params": {"factor": 0.5}, "start_tick": 2, "duration_ticks": 1})
    lams = []
    for _ in range(3):
        world.step()
        lams.append(world.ctx.s.f.lam[:3].tolist())
    assert lams == [[2.0, 2.0, 1.0], [2.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    own = world.observations([("firm", 0)])[("firm", 0)]["own"]
    assert own["productivity_factor"] == 1.0


def test_the_health_hazard_setting_makes_households_ill_for_the_configured_ticks() -> None:
    world = World.create("baseline", small(health_hazard=0.1, health_duration=6), seed=1)
    world.step()
    h = world.ctx.s.h
    ill = np.flatnonzero(h.health_until > 0)
    assert 0.03 * N_H < len(ill) < 0.2 * N_H
    assert set(h.health_until[ill].tolist()) == {1 + 1 + 6}
    assert (h.employer[ill] == -1).all()
    world.step()  # the ill are not drawn again while ill
    assert set(h.health_until[ill].tolist()) == {8}
    quiet = World.create("baseline", small(), seed=1)
    quiet.step()
    assert (quiet.ctx.s.h.health_until == 0).all()


def test_a_policy_override_sent_as_json_applies() -> None:
    """Requests arrive as JSON: the type is compared by value, not by string identity."""
    import json

    world = World.create("baseline", small(), seed=1)
    world.add_shock(json.loads('{"type": "policy_override", "params": {"policy_rate": 0.07},'
                               ' "start_tick": 1, "duration_ticks": 1}'))
    rates = [world.step().aggregates["policy_rate"] for _ in range(3)]
    assert rates == [0.005, 0.07, 0.005]
