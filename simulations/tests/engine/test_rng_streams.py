"""Random streams: one per purpose by construction, and every draw goes through one."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest

from simulations.engine import ConfigError, EngineError, World
from simulations.engine.rng import MAX_SHOCKS, Stream, check_disjoint, script_seed, stream
from simulations.tests.engine.worlds import small

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def test_two_purposes_can_never_share_a_stream_key() -> None:
    keys = [m.key(i) for m in Stream for i in range(m.value[2])]
    assert len(keys) == len(set(keys))


def test_a_stream_family_that_overlaps_another_is_refused_at_construction() -> None:
    class Overlapping(Enum):
        SHOCKS = (9, 1000, 10)
        OTHER = (9, 1009, 1)

    with pytest.raises(EngineError, match="overlap"):
        check_disjoint(Overlapping)
    with pytest.raises(ValueError, match="duplicate"):
        from enum import unique

        @unique
        class Reused(Enum):
            A = (2, 0, 1)
            B = (2, 0, 1)


def test_a_family_member_outside_the_family_is_refused() -> None:
    assert Stream.SHOCK_TARGETS.key(MAX_SHOCKS - 1) == (9, 1000 + MAX_SHOCKS - 1)
    with pytest.raises(EngineError):
        Stream.SHOCK_TARGETS.key(MAX_SHOCKS)
    with pytest.raises(EngineError):
        Stream.GOODS_SEARCH.key(1)


def test_the_shock_queue_stops_before_the_stream_families_run_out() -> None:
    world = World.create("baseline", small(), seed=1)
    spec = {"type": "preference", "params": {"factor": 1.1}, "start_tick": 5}
    for _ in range(MAX_SHOCKS):
        world.add_shock(dict(spec))
    with pytest.raises(ConfigError) as err:
        world.add_shock(dict(spec))
    assert err.value.field == "shock" and len(world.ctx.s.shocks) == MAX_SHOCKS


def test_different_purposes_draw_different_numbers_in_the_same_tick() -> None:
    draws = {m: stream(7, 3, m).random() for m in Stream if m is not Stream.SCRIPT}
    assert len(set(draws.values())) == len(draws)


def test_every_engine_draw_names_its_purpose() -> None:
    # Generators are built only by rng.stream (context.py forwards to it); callers pass a
    # Stream member, never a number.
    calls = []
    for path in ENGINE.rglob("*.py"):
        text = path.read_text()
        calls += [(path.name, c) for c in re.findall(r"\b(?:rng|stream)\(([^)]*)\)", text)]
        assert ("default_rng" not in text and "SeedSequence(" not in text) \
            or path.name == "rng.py", path
    used = [(name, args) for name, args in calls if name not in ("rng.py", "context.py")]
    assert used and all("Stream." in args for _, args in used), used


def test_script_seeds_live_apart_from_engine_streams() -> None:
    assert Stream.SCRIPT.phase not in {m.phase for m in Stream if m is not Stream.SCRIPT}
    assert script_seed(1, 5, "government", 0) != script_seed(1, 5, "central_bank", 0)
