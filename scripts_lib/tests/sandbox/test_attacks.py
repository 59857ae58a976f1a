"""Hostile scripts: each is contained with the right failure kind and the host is unharmed."""

import socket

import pytest

from scripts_lib.sandbox import Sandbox, ScriptJob
from scripts_lib.tests.sandbox.conftest import SECRET, assert_healthy, run_one

OS = "import statistics\nos = statistics.sys.modules['os']\n"  # the classic allowlist escape

ATTACKS = {
    "infinite_loop": ("def decide(obs):\n    while True:\n        pass", "timeout"),
    "loop_swallowing_exceptions": (
        "def decide(obs):\n    while True:\n        try:\n            while True:\n"
        "                pass\n        except BaseException:\n            pass", "timeout"),
    "c_level_bigint": ("def decide(obs):\n    return {'x': 7 ** (10 ** 8) % 10}", "timeout"),
    "memory_bomb_at_once": ("def decide(obs):\n    return {'x': len('x' * 10**10)}", "memory"),
    "memory_bomb_growing": (
        "def decide(obs):\n    a = []\n    while True:\n        a.append(bytes(10**8))",
        "memory"),
    "deep_recursion": ("def f(n):\n    return f(n + 1)\ndef decide(obs):\n    return f(0)",
                       "exception"),
    "forbidden_import": ("import os\ndef decide(obs):\n    return {}", "exception"),
    "open_etc_passwd": ("def decide(obs):\n    return {'x': open('/etc/passwd').read()}",
                        "exception"),
    "open_via_module_builtins": (
        "import dataclasses\ndef decide(obs):\n"
        "    return {'x': dataclasses.builtins.open('/etc/passwd').read()}", "exception"),
    "popen_via_statistics_sys": (OS + "def decide(obs):\n    return {'x': os.popen('id').read()}",
                                 "exception"),
    "import_via_real_import": (
        "import statistics\ndef decide(obs):\n"
        "    subprocess = statistics.sys.modules['builtins'].__import__('subprocess')\n"
        "    return {'x': subprocess.check_output(['id']).decode()}", "exception"),
    "sys_exit": ("def decide(obs):\n    raise SystemExit(0)", "exception"),
    "sys_exit_via_escape": (
        "import statistics\ndef decide(obs):\n    statistics.sys.exit(1)", "exception"),
    "os_exit_via_escape": (OS + "def decide(obs):\n    os._exit(0)", "exception"),
    "fork_bomb": (OS + "def decide(obs):\n    while True:\n        os.fork()", "exception"),
    "kill_the_zygote": (OS + "def decide(obs):\n    os.kill(os.getppid(), 9)", "exception"),
    "kill_everything": (OS + "def decide(obs):\n    os.kill(-1, 9)", "exception"),
    "signal_tampering_then_loop": (
        "import statistics\ndef decide(obs):\n    signal = statistics.sys.modules['signal']\n"
        "    try:\n        signal.signal(signal.SIGPROF, signal.SIG_IGN)\n"
        "    except OSError:\n        pass\n    signal.setitimer(signal.ITIMER_PROF, 0)\n"
        "    while True:\n        pass", "timeout"),
    "forged_result_frames": (OS + "def decide(obs):\n    os.write(3, b'\\xff' * 64)\n"
                             "    return {}", "bad_output"),
    "forged_done_then_short_frame": (
        OS + "def decide(obs):\n    os.write(3, b'D\\0\\0\\0\\x02{}S\\0\\0\\0\\0')\n"
        "    return {}", "bad_output"),
    "forged_max_size_frame": (
        OS + "def decide(obs):\n    n = 512 * 1024\n"
        "    os.write(3, b'D' + n.to_bytes(4, 'big') + b'x' * n)\n    return {}", "bad_output"),
    "nesting_bomb": ("x = " + "[" * 5000 + "]" * 5000 + "\ndef decide(obs):\n    return {}",
                     "exception"),
    "non_json_output": ("def decide(obs):\n    return {'x': {1, 2}}", "bad_output"),
    "nan_output": ("def decide(obs):\n    return {'x': float('nan')}", "bad_output"),
    "list_output": ("def decide(obs):\n    return [1, 2]", "bad_output"),
    "int_keys": ("def decide(obs):\n    return {1: 2}", "bad_output"),
    "oversize_decision": ("def decide(obs):\n    return {'x': 'y' * 10**6}", "bad_output"),
    "oversize_memory": ("def decide(obs):\n    return {'memory': {'x': 'y' * 70000}}",
                        "bad_output"),
    "deeply_nested_output": (
        "def decide(obs):\n    a = []\n    for _ in range(100000):\n        a = [a]\n"
        "    return {'x': a}", "bad_output"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_contained(sandbox: Sandbox, name: str) -> None:
    source, kind = ATTACKS[name]
    zygotes = [w.pid for w in sandbox.workers]
    result = run_one(sandbox, source)
    assert [w.pid for w in sandbox.workers] == zygotes  # no zygote died or was replaced
    assert result.failure_kind == kind, (result.failure_kind, result.message)
    assert not result.ok and result.decision is None
    assert "root:" not in result.message + result.log
    assert_healthy(sandbox)


def test_compiling_counts_against_the_cpu_budget(sandbox: Sandbox) -> None:
    bomb = "x = (" + "1 + " * 60000 + "1)\ndef decide(obs):\n    return {}"  # ~40 ms to parse
    assert run_one(sandbox, bomb, cpu_ms=5).failure_kind == "timeout"
    assert_healthy(sandbox)


def test_os_system_runs_nothing(sandbox: Sandbox) -> None:
    result = run_one(sandbox, OS + "def decide(obs):\n    return {'rc': os.system('id')}")
    assert result.ok and result.decision["rc"] != 0  # fork refused: no command ran


def test_identity_inside_is_unprivileged_and_alone(sandbox: Sandbox) -> None:
    source = OS + (
        "def decide(obs):\n    return {'uid': os.getuid(), 'ppid': os.getppid(),\n"
        "            'env': dict(os.environ)}")
    result = run_one(sandbox, source)
    assert result.ok, result.message
    assert result.decision["uid"] == 65534
    assert result.decision["ppid"] <= 3  # the zygote, early in a pid namespace of its own
    assert SECRET not in str(result.decision)
    assert set(result.decision["env"]) <= {"PWD"}  # bwrap --clearenv; only the cwd is set


def test_env_and_proc_secrets_are_unreachable(sandbox: Sandbox) -> None:
    source = OS + "def decide(obs):\n    return {'x': os.open('/proc/1/environ', 0)}"
    result = run_one(sandbox, source)
    assert result.failure_kind == "exception" and "PermissionError" in result.message


@pytest.mark.parametrize("port", [5432, None])
def test_network_is_unreachable(sandbox: Sandbox, port: int | None) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        target = port or listener.getsockname()[1]
        source = (
            "import statistics\ndef decide(obs):\n"
            "    imp = statistics.sys.modules['builtins'].__import__\n"
            f"    s = imp('socket').create_connection(('127.0.0.1', {target}), 1)\n"
            "    return {'connected': True}")
        result = run_one(sandbox, source)
        assert result.failure_kind == "exception"
        with pytest.raises(TimeoutError):
            listener.accept()


POISON = """
import collections, statistics, random, dataclasses
def decide(obs):
    collections.Counter.most_common = lambda self, n=None: [("poisoned", 1)]
    statistics.mean = lambda data: -1
    random.random = lambda: 0.5
    dataclasses.builtins.len = lambda x: 42
    return {}
"""
VICTIM = """
import collections, statistics, random
def decide(obs):
    return {"common": collections.Counter("aab").most_common(1),
            "mean": statistics.mean([1, 3]), "len": len([1]), "r": random.random() != 0.5}
"""


def test_patched_stdlib_does_not_reach_another_tenant() -> None:
    with Sandbox(workers=1) as box:  # one zygote: the victim forks off the same one
        results = box.run_many([ScriptJob("evil", POISON, {}, 1, tenant="mallory"),
                                ScriptJob("victim", VICTIM, {}, 1, tenant="alice")])
    assert results[0].key == "evil"  # whether mallory's own call survives its poison is moot
    assert results[1].ok, results[1].message
    assert results[1].decision == {"common": [["a", 2]], "mean": 2, "len": 1, "r": True}


def test_a_hostile_call_costs_only_itself_in_a_tenant_batch(sandbox: Sandbox) -> None:
    loop = ATTACKS["infinite_loop"][0]
    good = "def decide(obs):\n    return {'i': obs['i']}"
    jobs = [ScriptJob(f"j{i}", loop if i in (2, 5) else good, {"i": i}, 1, tenant="bob")
            for i in range(8)]
    results = sandbox.run_many(jobs)
    assert [r.failure_kind for r in results] == [
        None, None, "timeout", None, None, "timeout", None, None]
    assert [r.decision for r in results if r.ok] == [{"i": i} for i in (0, 1, 3, 4, 6, 7)]


def test_a_zygote_killed_from_outside_is_replaced() -> None:
    with Sandbox(workers=1) as box:
        box.workers[0].kill()
        results = box.run_many([ScriptJob("a", "def decide(obs):\n    return {}", {}, 1)])
        assert results[0].ok
        assert_healthy(box)
