"""The host believes nothing a script's process writes: results are bound to the batch and the
call they answer, any output that fails to parse fails only its own tenant, and the CPU charged
is what the kernel measured."""

import json

import pytest

from scripts_lib.sandbox import Sandbox, ScriptJob
from scripts_lib.tests.sandbox.conftest import assert_healthy, run_one

OS = "import statistics\nos = statistics.sys.modules['os']\n"
HONEST = "def decide(obs):\n    return {'v': obs['v'], 'memory': {'mine': obs['v']}}"


def _frame(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def _forger(*frames: bytes, burn: int = 0) -> str:
    """A script that escapes to `os`, optionally burns CPU, writes its own frames on the
    result pipe, then ends its process before the harness can answer."""
    return OS + (
        "def decide(obs):\n"
        f"    s = sum(i * i for i in range({burn}))\n"
        f"    os.write(3, {b''.join(frames)!r})\n"
        "    os._exit(0)\n")


DEEP = b"[" * 100_000 + b"]" * 100_000  # json.loads: RecursionError, not ValueError
INJECTED = json.dumps({"ok": True, "kind": None, "decision": {}, "log": "",
                       "memory": {"injected_by": "mallory"}}).encode()


@pytest.mark.parametrize("body", [
    DEEP,
    b'{"ok": true, "decision": {"x": NaN}, "log": ""}',
    b'{"ok": true, "decision": {"x": "a\\u0000b"}, "log": ""}',
    b'{"ok": true, "decision": {"x": "\\ud800"}, "log": ""}',
    b'{"ok": true, "decision": {"x": 99999999999999999999}, "log": ""}',
    b'{"ok": true, "decision": {}, "memory": [], "log": ""}',
    b'{"ok": true, "decision": {}, "log": 7}',
    b'{"ok": false, "kind": "made_up", "log": ""}',
    b'"not an object"',
    b"\xff\xfe",
], ids=["deep", "nan", "nul", "surrogate", "bigint", "memory_list", "log_int", "kind",
        "string", "not_utf8"])
def test_a_forged_result_fails_its_own_call_with_bad_output(sandbox: Sandbox,
                                                             body: bytes) -> None:
    result = run_one(sandbox, _forger(_frame(b"D", body), _frame(b"E", b"")))
    assert (result.ok, result.failure_kind) == (False, "bad_output"), result.message
    assert result.decision is None and result.memory is None
    assert_healthy(sandbox)  # same zygotes, clean calls answer


def test_frames_left_by_a_broken_batch_never_reach_the_next_tenant() -> None:
    """The reproduction of the bug: mallory's first call writes a frame the host cannot parse,
    then a well-formed answer for her second call carrying her memory, then the batch's end.
    Alice's batch, next on the same zygote, must get her own results only."""
    frames = (_frame(b"D", DEEP) + _frame(b"S", (1).to_bytes(4, "big"))
              + _frame(b"D", INJECTED) + _frame(b"E", b""))
    evil = _forger(frames)
    with Sandbox(workers=1) as box:
        zygote = box.workers[0].pid
        jobs = [ScriptJob("m0", evil, {"v": 0}, 1, tenant="mallory"),
                ScriptJob("m1", HONEST, {"v": 1}, 1, tenant="mallory"),
                *[ScriptJob(f"a{i}", HONEST, {"v": i}, 1, tenant="alice") for i in range(3)]]
        results = box.run_many(jobs)
        assert [r.failure_kind for r in results[:2]] == ["bad_output", "bad_output"]
        assert [(r.decision, r.memory) for r in results[2:]] == [
            ({"v": i}, {"mine": i}) for i in range(3)]
        again = box.run_many([ScriptJob("a", HONEST, {"v": 9}, 1, tenant="alice")])
        assert (again[0].decision, again[0].memory) == ({"v": 9}, {"mine": 9})
        assert box.workers[0].pid == zygote  # the child was dropped, the zygote kept


def test_a_broken_call_fails_the_rest_of_its_tenants_batch_only(sandbox: Sandbox) -> None:
    evil = _forger(_frame(b"D", DEEP))
    jobs = [ScriptJob("m0", HONEST, {"v": 0}, 1, tenant="mallory"),
            ScriptJob("m1", evil, {"v": 1}, 1, tenant="mallory"),
            ScriptJob("m2", HONEST, {"v": 2}, 1, tenant="mallory"),
            ScriptJob("b0", HONEST, {"v": 3}, 1, tenant="bob")]
    results = sandbox.run_many(jobs)
    assert [r.failure_kind for r in results] == [None, "bad_output", "bad_output", None]
    assert results[3].memory == {"mine": 3}


@pytest.mark.parametrize("claim", ["-1e12", "NaN", "Infinity", "0"])
def test_the_cpu_charged_is_the_kernels_not_the_scripts_claim(sandbox: Sandbox,
                                                                claim: str) -> None:
    body = ('{"ok": true, "kind": null, "decision": {}, "memory": null, "log": "", '
            f'"cpu_ms": {claim}}}').encode()
    result = run_one(sandbox, _forger(_frame(b"D", body), _frame(b"E", b""), burn=400_000),
                     cpu_ms=2000)
    # A well-formed answer for its own call is the tenant's own business; NaN is not JSON.
    assert result.ok == (claim in ("-1e12", "0"))
    assert 10 < result.cpu_ms < 2000  # 400k squares take ~20 ms of CPU here


def test_a_script_that_disarms_its_cpu_timer_pays_for_what_it_burnt(sandbox: Sandbox) -> None:
    source = ("import statistics\nsignal = statistics.sys.modules['signal']\n"
              "def decide(obs):\n    signal.setitimer(signal.ITIMER_PROF, 0)\n"
              "    while True:\n        pass")
    result = run_one(sandbox, source, cpu_ms=50)
    assert result.failure_kind == "timeout"
    # killed at the wall deadline (2 x 50 + 100 ms): more than its budget, all of it charged
    assert result.cpu_ms > 50


def test_an_honest_call_is_charged_about_what_it_ran(sandbox: Sandbox) -> None:
    loop = "def decide(obs):\n    s = 0\n    for i in range(300000):\n        s += i * i\n" \
           "    return {}"
    trivial = "def decide(obs):\n    return {}"
    heavy = min(run_one(sandbox, loop, cpu_ms=2000).cpu_ms for _ in range(3))
    light = min(run_one(sandbox, trivial).cpu_ms for _ in range(3))
    assert 0 <= light < 5 < heavy < 1000
