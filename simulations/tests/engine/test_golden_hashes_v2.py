"""Golden state hashes of model v2 (kept apart from v1's, which must never change).

Same recipe as test_golden_hashes.py with model_version v2. A change to these hashes is a
change of the v2 economy: make it only on purpose, regenerate with
`python -m simulations.tests.engine.test_golden_hashes_v2` and give the reason in the commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulations.tests.engine.test_golden_hashes import run_recipe

GOLDEN = Path(__file__).with_name("golden_hashes_v2.json")
V2 = {"model_version": "v2"}
RUNS = ("plain/1", "plain/2", "scripted/4")


@pytest.mark.parametrize("name", RUNS)
def test_fixed_seed_gives_the_recorded_v2_state_hash_at_every_tick(name: str) -> None:
    golden = json.loads(GOLDEN.read_text())[name]
    got = run_recipe(name, V2)
    first_diff = next((i + 1 for i, (a, b) in enumerate(zip(got["state"], golden["state"],
                                                            strict=True)) if a != b), None)
    assert first_diff is None, f"{name}: state hash differs first at tick {first_diff}"
    assert got == golden


def test_v2_golden_runs_post_the_capital_and_equity_kinds() -> None:
    golden = json.loads(GOLDEN.read_text())
    assert set(golden) == set(RUNS)
    kinds = set().union(*(run["kinds"] for run in golden.values()))
    assert {"CAPITAL_PURCHASE", "CAPITAL_ADD", "CAPITAL_DEPRECIATION", "FIRM_DIVIDEND",
            "BANK_DIVIDEND"} <= kinds
    v1 = json.loads(Path(__file__).with_name("golden_hashes.json").read_text())
    assert golden["plain/1"]["state"][0] != v1["plain/1"]["state"][0]


def test_a_v2_checkpoint_replays_bit_identically_and_keeps_its_version() -> None:
    from simulations.engine import World
    from simulations.tests.engine.worlds import small

    world = World.create("baseline", small(**V2), seed=9)
    world.run(30)
    blob = world.to_bytes()
    restored = World.from_bytes(blob)
    assert restored.config.model_version == "v2"
    assert restored.state_hash() == world.state_hash()
    assert [r.state_hash for r in restored.run(20)] == [r.state_hash for r in world.run(20)]
    assert len(restored.ctx.s.equity) == len(world.ctx.s.equity) > 0


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps({name: run_recipe(name, V2) for name in RUNS}, indent=1)
                      + "\n")
