import os
from collections.abc import Iterator

import pytest

from scripts_lib.sandbox import Sandbox, ScriptJob, ScriptResult

SECRET = "econsim-test-secret-do-not-leak"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """Two real zygotes under bubblewrap. No skip: a host without isolation fails here."""
    os.environ["ECONSIM_SANDBOX_TEST_SECRET"] = SECRET  # must not reach any script
    box = Sandbox(workers=2)
    box.start()
    yield box
    box.close()


def run_one(box: Sandbox, source: str, obs: dict | None = None, **kw: object) -> ScriptResult:
    return box.run_many([ScriptJob("job", source, obs or {}, seed=kw.pop("seed", 7), **kw)])[0]


def assert_healthy(box: Sandbox) -> None:
    """Every worker still answers a clean call correctly, with its zygote not respawned."""
    pids = [w.pid for w in box.workers]
    jobs = [ScriptJob(f"ok{i}", "def decide(obs):\n    return {'v': obs['v'] + 1}", {"v": i}, 1)
            for i in range(6)]
    assert [r.decision for r in box.run_many(jobs)] == [{"v": i + 1} for i in range(6)]
    assert [w.pid for w in box.workers] == pids
