"""POST .../versions/{n}/dry_run/: the real sandbox and engine validation, nothing changed."""

import pytest

from accounts.models import CpuBucket
from scripts_lib.models import Mount, ScriptFailure, ScriptTickLog
from scripts_lib.tests.conftest import HOUSEHOLD, claim, mount, new_version, save_checkpoint


def dry_run(client, version, **payload):
    return client.post(f"/api/scripts/{version.script_id}/versions/{version.number}/dry_run/",
                       payload, format="json")


def test_a_sample_observation_when_no_agent_is_given(owner, owner_client):
    version = new_version(owner, HOUSEHOLD)
    response = dry_run(owner_client, version)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["decision"] == {"consume_share": 0.5}
    assert body["memory"] == {"ticks": 1} and body["log"] == "tick 1 seen 1\n"
    assert body["validation"] == {"ok": True, "field": None, "rule": None}
    assert (body["observation_source"], body["agent"], body["tick"]) == ("sample",
                                                                         "household:0", 1)
    assert 0 < body["cpu_ms"] < 50


def test_the_live_observation_and_memory_of_a_claimed_agent(
        simulation, world, owner, owner_client, advance):
    mounted = mount(simulation, owner, engine_id=7)
    advance()
    advance()
    save_checkpoint(simulation, world)
    probe = new_version(owner, "def decide(obs):\n    print(obs['own']['id'], obs['tick'])\n"
                               "    return {'memory': obs['memory']}")
    body = dry_run(owner_client, probe, agent=mounted.agent_id).json()
    assert (body["observation_source"], body["agent"], body["tick"]) == ("agent",
                                                                         "household:7", 3)
    assert body["log"] == "7 3\n" and body["memory"] == {"ticks": 2}
    assert dry_run(owner_client, probe, agent=mounted.agent_id,
                   memory={"given": 1}).json()["memory"] == {"given": 1}


def test_a_dry_run_changes_nothing(simulation, world, owner, owner_client):
    mounted = mount(simulation, owner, engine_id=2)
    save_checkpoint(simulation, world)
    for source in (HOUSEHOLD, "def decide(obs):\n    raise RuntimeError('x')"):
        dry_run(owner_client, new_version(owner, source), agent=mounted.agent_id)
    mounted.refresh_from_db()
    assert mounted.memory == {} and mounted.consecutive_failures == 0
    assert not ScriptFailure.objects.exists() and not ScriptTickLog.objects.exists()
    assert not CpuBucket.objects.exists() and Mount.objects.count() == 1


@pytest.mark.parametrize(("source", "kind", "line", "validation"), [
    ("def decide(obs):\n    return {'consume_share': 3}", None, None,
     {"ok": False, "field": "consume_share", "rule": "float in [0, 1] required"}),
    ("def decide(obs):\n    x = {}\n    return x['missing']", "exception", 3,
     {"ok": False, "field": None, "rule": "no_decision"}),
    ("def decide(obs):\n    while True:\n        pass", "timeout", None,
     {"ok": False, "field": None, "rule": "no_decision"}),
])
def test_failures_and_rejections_are_reported(owner, owner_client, source, kind, line,
                                              validation):
    body = dry_run(owner_client, new_version(owner, source)).json()
    assert not body["ok"] and body["decision"] is None
    assert body["failure_kind"] == (kind or "rejected_decision")
    assert body["line"] == line and body["validation"] == validation


def test_only_claimed_agents_of_the_scripts_type(simulation, world, owner, owner_client,
                                                 other_user):
    version = new_version(owner, HOUSEHOLD)
    theirs = claim(simulation, other_user, "household", 1)
    firm = claim(simulation, owner, "firm", 1)
    mine = claim(simulation, owner, "household", 2)

    def rule(agent) -> tuple[int, list]:
        response = dry_run(owner_client, version, agent=agent.pk)
        return response.status_code, [(e["field"], e["rule"]) for e in
                                      response.json().get("errors", [])]

    assert rule(theirs) == (400, [("agent", "not_claimed")])
    assert rule(firm) == (400, [("agent", "agent_type_mismatch")])
    assert rule(mine) == (400, [("agent", "no_world")])  # no checkpoint yet
    save_checkpoint(simulation, world)
    assert rule(mine) == (200, [])
    bad = dry_run(owner_client, version, scenario="mars")
    assert [(e["field"], e["rule"]) for e in bad.json()["errors"]] == [("scenario",
                                                                        "invalid_choice")]


@pytest.mark.parametrize("claim", ["NaN", "-1e12", "Infinity"])
def test_a_dry_run_reports_the_cpu_the_host_measured_not_the_scripts_claim(
        owner, owner_client, claim):
    body = ('{"ok": false, "kind": "exception", "log": "", "message": "m", '
            f'"cpu_ms": {claim}}}').encode()
    frames = b"D" + len(body).to_bytes(4, "big") + body + b"E\0\0\0\0"
    forger = new_version(owner, "import statistics\nos = statistics.sys.modules['os']\n"
                                "def decide(obs):\n    sum(i * i for i in range(200000))\n"
                                f"    os.write(3, {frames!r})\n    os._exit(0)\n")
    response = dry_run(owner_client, forger)
    assert response.status_code == 200, response.content
    cpu_ms = response.json()["cpu_ms"]
    assert type(cpu_ms) is float and 1 < cpu_ms < 1000
