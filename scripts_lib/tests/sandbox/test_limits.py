"""Every cap a script meets in the sandbox, at its exact edge: just under passes, just over
fails. The caps are read from the sandbox's own constants, so a changed cap moves both sides."""

from __future__ import annotations

import json

import pytest

from scripts_lib.sandbox import Sandbox, ScriptJob
from scripts_lib.sandbox.checks import check_source
from scripts_lib.sandbox.jobs import MAX_CPU_MS, MAX_SOURCE_BYTES
from scripts_lib.sandbox.runner import DECISION_CAP, LOG_CAP, MAX_DEPTH, MEMORY_CAP
from scripts_lib.tests.sandbox.conftest import run_one

MIB = 1024 * 1024
# What decide() returns around a payload string "x" * n: {"k": "xx..."} (9 bytes of JSON + n).
WRAPPER = len(json.dumps({"k": ""}))


def _returning(expression: str) -> str:
    return f"def decide(obs):\n    return {expression}\n"


@pytest.mark.parametrize(("extra_mib", "ok"), [(-2, True), (1, False)])
def test_a_script_may_allocate_up_to_its_memory_cap_and_not_beyond(sandbox: Sandbox,
                                                                   extra_mib: int, ok: bool):
    """The child's address space is the zygote's plus `memory_mb`; 2 MiB under it leaves the
    interpreter room for its own small arenas, 1 MiB over it must fail. bytes(n) maps zeroed
    pages without touching them, so the test costs address space, not CPU or RAM."""
    size = (sandbox.config.memory_mb + extra_mib) * MIB
    result = run_one(sandbox, f"def decide(obs):\n    b = bytes({size})\n"
                              f"    return {{'n': len(b)}}\n")
    if ok:
        assert result.ok, result.message
        assert result.decision == {"n": size}
    else:
        assert (result.ok, result.failure_kind) == (False, "memory")


@pytest.mark.parametrize(("extra", "ok"), [(0, True), (1, False)])
def test_a_decision_may_be_exactly_the_decision_cap(sandbox: Sandbox, extra: int, ok: bool):
    n = DECISION_CAP - WRAPPER + extra
    result = run_one(sandbox, _returning(f"{{'k': 'x' * {n}}}"))
    assert result.ok is ok, result.message
    if ok:
        assert len(json.dumps(result.decision)) == DECISION_CAP
    else:
        assert result.failure_kind == "bad_output"
        assert result.message == (f"decision: over the {DECISION_CAP} byte cap "
                                  f"({DECISION_CAP + 1} bytes)")


@pytest.mark.parametrize(("extra", "ok"), [(0, True), (1, False)])
def test_memory_may_be_exactly_the_memory_cap(sandbox: Sandbox, extra: int, ok: bool):
    n = MEMORY_CAP - WRAPPER + extra
    result = run_one(sandbox, _returning(f"{{'memory': {{'k': 'x' * {n}}}}}"))
    assert result.ok is ok, result.message
    if ok:
        assert len(json.dumps(result.memory)) == MEMORY_CAP
    else:
        assert result.failure_kind == "bad_output"
        assert result.message == (f"memory: over the {MEMORY_CAP} byte cap "
                                  f"({MEMORY_CAP + 1} bytes)")


@pytest.mark.parametrize(("extra", "truncated"), [(0, False), (1, True)])
def test_printed_output_is_kept_whole_up_to_the_log_cap(sandbox: Sandbox, extra: int,
                                                        truncated: bool):
    n = LOG_CAP - 1 + extra  # print() adds the newline
    result = run_one(sandbox, f"def decide(obs):\n    print('x' * {n})\n    return {{}}\n")
    assert result.ok, result.message  # a long output is cut, never a failure
    if truncated:
        assert result.log == "x" * LOG_CAP + "\n[output truncated]"
    else:
        assert result.log == "x" * n + "\n"


@pytest.mark.parametrize(("containers", "ok"), [(MAX_DEPTH, True), (MAX_DEPTH + 1, False)])
def test_a_decision_may_nest_exactly_max_depth_containers(sandbox: Sandbox, containers: int,
                                                          ok: bool):
    # The decision dict itself is the first container; the rest are lists inside it.
    inner = "[" * (containers - 1) + "]" * (containers - 1)
    result = run_one(sandbox, _returning(f"{{'k': {inner}}}"))
    assert result.ok is ok, result.message
    if not ok:
        assert result.failure_kind == "bad_output"
        assert result.message == f"decision: nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(("extra", "ok"), [(0, True), (1, False)])
def test_the_sandbox_takes_a_source_of_exactly_its_byte_cap(extra: int, ok: bool):
    head = "def decide(obs):\n    return {}\n#"
    source = head + "x" * (MAX_SOURCE_BYTES - len(head) + extra)
    problems = check_source(source)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].message == (f"source is {MAX_SOURCE_BYTES + 1} bytes; at most "
                                       f"{MAX_SOURCE_BYTES} allowed")


@pytest.mark.parametrize(("extra", "ok"), [(0, True), (1, False)])
def test_a_job_may_carry_a_source_of_exactly_the_byte_cap(extra: int, ok: bool):
    head = "def decide(obs):\n    return {}\n#"
    job = ScriptJob("job", head + "x" * (MAX_SOURCE_BYTES - len(head) + extra), {}, seed=1)
    if ok:
        job.check()
    else:
        with pytest.raises(ValueError, match=f"source over {MAX_SOURCE_BYTES} bytes"):
            job.check()


@pytest.mark.parametrize(("cpu_ms", "ok"), [(1, True), (MAX_CPU_MS, True), (0, False),
                                            (MAX_CPU_MS + 1, False)])
def test_a_jobs_cpu_budget_is_between_1_ms_and_the_cap(cpu_ms: int, ok: bool):
    job = ScriptJob("job", "def decide(obs):\n    return {}\n", {}, seed=1, cpu_ms=cpu_ms)
    if ok:
        job.check()
    else:
        with pytest.raises(ValueError, match=r"cpu_ms must be an int in \[1, "):
            job.check()
