"""A tick never fails because of a user: a real day on a live Celery worker and the real
sandbox, hostile scripts of several kinds mounted beside honest scripts of other users."""

from __future__ import annotations

import pytest

from accounts.models import CpuBucket
from accounts.tests.factories import UserFactory
from econsim_project.testing import wait_until
from history.models import TickAudit
from orchestration.runs import day_run_request
from scripts_lib.models import Mount, ScriptFailure, ScriptTickLog
from scripts_lib.tests.conftest import HOUSEHOLD, mount
from simulations.models import DayRun, Simulation
from simulations.tests.conftest import make_simulation

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TICKS = 6  # one day; 5 failures in a row unmount a script (SCRIPT_STRIKES_TO_UNMOUNT)
OS = "import statistics\nos = statistics.sys.modules['os']\n"


def _frame(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def _forger(frames: bytes, first: str = "b''") -> str:
    """Escape to os, write `first` (an expression) and `frames` on the result pipe, exit."""
    return OS + (f"def decide(obs):\n    os.write(3, {first} + {frames!r})\n"
                 "    os._exit(0)\n")


# A D frame nested 50,000 deep: the host's json.loads raises RecursionError on it.
DEEP = "b'D' + (100000).to_bytes(4, 'big') + b'[' * 50000 + b']' * 50000"


INJECTED = (b'{"ok": true, "kind": null, "decision": {"consume_share": 1.0}, "log": "",'
            b' "memory": {"injected_by": "mallory"}}')
HOSTILE = {  # name: (source, the failure kind every tick records)
    # An unparsable frame (RecursionError in the host's json.loads), then frames meant for
    # the next batch on the same zygote: the reproduction of the cross-tenant injection.
    "deep_frame": (_forger(_frame(b"S", (1).to_bytes(4, "big")) + _frame(b"D", INJECTED)
                           + _frame(b"E", b""), first=DEEP), "bad_output"),
    # A failure that claims a negative CPU figure (the bucket once refused it mid-tick).
    "negative_cpu": (_forger(_frame(b"D", b'{"ok": false, "kind": "exception", "log": "",'
                                          b' "message": "x", "cpu_ms": -1e12}')
                             + _frame(b"E", b"")), "exception"),
    "infinite_loop": ("def decide(obs):\n    while True:\n        pass\n", "timeout"),
    "memory_bomb": ("def decide(obs):\n    return {'x': len('x' * 10**10)}\n", "memory"),
    "exits": (OS + "def decide(obs):\n    os._exit(3)\n", "exception"),
    "nul_memory": ("def decide(obs):\n    return {'memory': {'k': 'a\\x00b'}}\n", "bad_output"),
    "surrogate_log": ("def decide(obs):\n    print('\\x00 \\ud800')\n    raise ValueError(7)\n",
                      "exception"),
    "wrong_decision": ("def decide(obs):\n    return {'consume_share': 'all of it'}\n",
                       "rejected_decision"),
}
FIRM = ("def decide(obs):\n    n = obs['memory'].get('n', 0) + 1\n"
        "    return {'price_cents': 900 + n, 'memory': {'n': n}}\n")


def _finished(run: DayRun) -> bool:
    run.refresh_from_db()
    return run.outcome not in (DayRun.Outcome.QUEUED, DayRun.Outcome.RUNNING)


def test_hostile_scripts_cost_only_their_owners_a_day_of_the_world(celery_live_worker):
    simulation = make_simulation("hostile-day", ticks_per_day=TICKS)
    honest = {engine_id: mount(simulation, UserFactory(username=f"honest{engine_id}"),
                               HOUSEHOLD, engine_id=engine_id) for engine_id in (0, 1)}
    firm = mount(simulation, honest[0].script_version.script.owner, FIRM, "firm", 0)
    hostile = {name: mount(simulation, UserFactory(username=f"mallory-{name}"), source,
                           engine_id=10 + i)
               for i, (name, (source, _)) in enumerate(sorted(HOSTILE.items()))}

    run = day_run_request(simulation_id=simulation.pk)
    wait_until(lambda: _finished(run), timeout=240, what="the day")

    assert (run.outcome, run.ticks_done) == (DayRun.Outcome.SUCCEEDED, TICKS), run.error
    assert Simulation.objects.get(pk=simulation.pk).tick == TICKS
    audits = TickAudit.objects.filter(simulation=simulation).order_by("tick")
    assert [(a.tick, a.all_passed) for a in audits] == [(t, True) for t in range(1, TICKS + 1)]

    # Honest scripts got exactly what they returned, every tick.
    for engine_id, honest_mount in honest.items():
        honest_mount.refresh_from_db()
        assert honest_mount.active and honest_mount.consecutive_failures == 0
        assert honest_mount.memory == {"ticks": TICKS}, engine_id
        assert (honest_mount.last_decision, honest_mount.last_decision_tick) == (
            {"consume_share": 0.5}, TICKS)
        logs = ScriptTickLog.objects.filter(mount=honest_mount).order_by("tick")
        assert [(log.tick, log.output) for log in logs] == [
            (t, f"tick {t} seen {t}\n") for t in range(1, TICKS + 1)]
    firm.refresh_from_db()
    assert (firm.memory, firm.last_decision) == ({"n": TICKS}, {"price_cents": 900 + TICKS})
    assert not ScriptFailure.objects.filter(
        mount__in=[*honest.values(), firm]).exists()

    # Each hostile mount failed with its kind until the strike rule unmounted it.
    for name, hostile_mount in hostile.items():
        hostile_mount.refresh_from_db()
        failures = ScriptFailure.objects.filter(mount=hostile_mount).order_by("tick")
        assert [(f.tick, f.kind) for f in failures] == [
            (t, HOSTILE[name][1]) for t in range(1, 6)], name
        assert (hostile_mount.active, hostile_mount.unmounted_why,
                hostile_mount.unmounted_tick) == (False, Mount.Why.STRIKES, 5), name
        assert "injected_by" not in str(hostile_mount.memory)
    # Output that a database refuses was cleaned, not fatal.
    shown = ScriptTickLog.objects.filter(mount=hostile["surrogate_log"]).first().output
    assert "\x00" not in shown and "?" in shown
    # Every hostile owner's bucket was settled each tick their script ran, with what the
    # kernel measured (a loop pays for what it burnt, a liar for what it really used).
    buckets = {b.user.username: b for b in CpuBucket.objects.select_related("user")}
    assert {name: buckets[f"mallory-{name}"].ticks for name in HOSTILE} == dict.fromkeys(
        HOSTILE, 5)
    # the loop ran until its CPU timer (50 ms) or, on a busy machine, its wall deadline
    assert 0 < buckets["mallory-infinite_loop"].last_used_ms <= 250
