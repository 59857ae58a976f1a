"""Upload-time checks, quotas and the append-only rules of the script library."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from accounts.quotas import quota_report
from scripts_lib.models import Script, ScriptQuota, ScriptVersion
from scripts_lib.services import (
    mount_create,
    mount_delete,
    rotation_schedule,
    script_create,
    script_delete,
    script_update,
    script_version_create,
    script_version_delete,
)
from scripts_lib.tests.conftest import HOUSEHOLD, claim, mount, new_version

GOOD = "def decide(obs):\n    return {}\n"


def upload_error(user, source: str) -> ValidationError:
    script = script_create(owner=user, name=f"s{Script.objects.count()}", agent_type="firm")
    with pytest.raises(ValidationError) as caught:
        script_version_create(script=script, source=source, user=user)
    assert not ScriptVersion.objects.exists()  # nothing saved
    return caught.value.error_dict["source"][0]


@pytest.mark.parametrize(("source", "rule", "line", "text"), [
    ("def decide(obs):\n    x = = 1\n    return {}\n", "syntax_error", 2, "syntax error"),
    ("import math\nimport socket\ndef decide(obs):\n    return {}\n", "forbidden_import", 2,
     "import of 'socket' is not allowed"),
    ("def helper(obs):\n    from os import path\n    return {}\ndef decide(obs):\n"
     "    return {}\n", "forbidden_import", 2, "import of 'os'"),
    ("def choose(obs):\n    return {}\n", "missing_decide", None, "no top-level function decide"),
])
def test_upload_checks_name_the_rule_and_the_line(owner, source, rule, line, text):
    error = upload_error(owner, source)
    assert error.code == rule and error.params["line"] == line
    message = error.message % error.params
    assert text in message
    if line is not None:
        assert message.startswith(f"line {line}: ")


def test_a_source_over_the_size_quota_is_refused(owner, settings):
    settings.SCRIPT_SOURCE_MAX_BYTES = 100
    error = upload_error(owner, GOOD + "# padding\n" * 10)
    assert error.code == "too_large"
    assert "at most 100 allowed" in error.message % error.params
    ScriptQuota.objects.create(user=owner, max_source_bytes=1000)
    script = Script.objects.first()
    assert script_version_create(script=script, source=GOOD + "# padding\n" * 10, user=owner)


def test_versions_are_numbered_hashed_and_checked(owner):
    script = script_create(owner=owner, name="trend", agent_type="household")
    first = script_version_create(script=script, source=HOUSEHOLD, user=owner)
    second = script_version_create(script=script, source=GOOD, user=owner)
    assert (first.number, second.number) == (1, 2)
    assert first.sha256 == hashlib.sha256(HOUSEHOLD.encode()).hexdigest()
    assert first.checks_passed and first.check_report["problems"] == []
    assert first.size_bytes == len(HOUSEHOLD.encode())


def test_the_script_count_quota(owner, settings):
    settings.SCRIPTS_MAX_PER_USER = 2
    script_create(owner=owner, name="a", agent_type="firm")
    script_create(owner=owner, name="b", agent_type="firm")
    with pytest.raises(ValidationError) as caught:
        script_create(owner=owner, name="c", agent_type="firm")
    assert caught.value.error_dict["quota"][0].code == "max_scripts"
    ScriptQuota.objects.create(user=owner, max_scripts=3)
    assert script_create(owner=owner, name="c", agent_type="firm")


def test_the_versions_per_day_quota(owner, other_user, settings):
    settings.SCRIPT_VERSIONS_PER_DAY = 2
    script = script_create(owner=owner, name="a", agent_type="firm")
    script_version_create(script=script, source=GOOD, user=owner)
    script_version_create(script=script, source=GOOD, user=owner)
    with pytest.raises(ValidationError) as caught:
        script_version_create(script=script, source=GOOD, user=owner)
    assert caught.value.error_dict["quota"][0].code == "versions_per_day"
    other = script_create(owner=other_user, name="a", agent_type="firm")
    assert script_version_create(script=other, source=GOOD, user=other_user)  # per user


def test_the_quota_ledger_lists_the_script_quotas(owner, settings):
    settings.SCRIPT_VERSIONS_PER_DAY = 7
    new_version(owner)
    quotas = {q["name"]: q for q in quota_report(user=owner)}
    assert quotas["scripts.count"]["used"] == 1
    assert quotas["scripts.versions_per_day"] | {"resets_at": None} == {
        "name": "scripts.versions_per_day", "label": "Script versions per day",
        "unit": "versions", "limit": 7, "used": 1, "remaining": 6, "period": "day",
        "resets_at": None}
    assert quotas["scripts.source_bytes"]["used"] == len(HOUSEHOLD.encode())
    assert quotas["scripts.log_bytes_per_day"]["used"] == 0


def test_names_are_unique_per_owner_and_the_agent_type_is_checked(owner, other_user):
    script_create(owner=owner, name="same", agent_type="firm")
    assert script_create(owner=other_user, name="same", agent_type="firm")
    with pytest.raises(ValidationError) as caught:
        script_create(owner=owner, name="same", agent_type="bank")
    assert caught.value.error_dict["name"][0].code == "unique"
    with pytest.raises(ValidationError) as caught:
        script_create(owner=owner, name="x", agent_type="alien")
    assert caught.value.error_dict["agent_type"][0].code == "invalid_choice"
    script = script_create(owner=owner, name="other", agent_type="firm")
    with pytest.raises(ValidationError):
        script_update(script=script, name="same")
    assert script_update(script=script, name="renamed", description="d").name == "renamed"


def test_a_mounted_version_cannot_be_deleted_and_a_used_one_stays_archived(
        simulation, owner):
    used = mount(simulation, owner)
    version = used.script_version
    with pytest.raises(ValidationError) as caught:
        script_version_delete(version=version)
    assert caught.value.error_dict["version"][0].code == "mounted"
    with pytest.raises(ValidationError) as caught:
        script_delete(script=version.script)
    assert caught.value.error_dict["script"][0].code == "mounted"
    mount_delete(simulation_id=simulation.pk, mount_id=used.pk, user=owner)
    with pytest.raises(ValidationError) as caught:
        script_version_delete(version=version)
    assert caught.value.error_dict["version"][0].code == "archived"
    assert script_delete(script=version.script) == "archived"
    assert ScriptVersion.objects.filter(pk=version.pk).exists()
    unused = new_version(owner)
    script_version_delete(version=unused)
    assert script_delete(script=unused.script) == "deleted"
    assert not Script.objects.filter(pk=unused.script_id).exists()


def test_mounting_needs_a_claimed_agent_of_the_scripts_type(
        simulation, owner, other_user, operator):
    mine, theirs = claim(simulation, owner, "household", 1), claim(simulation, other_user,
                                                                  "household", 2)
    version = new_version(owner)
    firm_version = new_version(owner, GOOD, "firm")

    def refused(agent, version_id, user=owner) -> str:
        with pytest.raises(ValidationError) as caught:
            mount_create(simulation_id=simulation.pk, agent_id=agent.pk, version_id=version_id,
                         user=user)
        ((field, [error]),) = caught.value.error_dict.items()
        return f"{field}:{error.code}"

    assert refused(theirs, version.pk) == "agent:not_claimed"
    assert refused(mine, firm_version.pk) == "script_version:agent_type_mismatch"
    assert refused(mine, new_version(other_user).pk) == "script_version:does_not_exist"
    created = mount_create(simulation_id=simulation.pk, agent_id=mine.pk, version_id=version.pk,
                           user=owner)
    assert created.since_tick == simulation.tick + 1 and created.active
    assert refused(mine, version.pk) == "agent:already_mounted"
    # An operator may mount on any agent (the version must be visible to them: all are).
    assert mount_create(simulation_id=simulation.pk, agent_id=theirs.pk, version_id=version.pk,
                        user=operator).mounted_by == operator


def test_a_finished_simulation_takes_no_new_mounts_or_rotations(simulation, owner):
    current = mount(simulation, owner)
    other = claim(simulation, owner, "household", 9)
    simulation.status = "finished"
    simulation.save(update_fields=["status"])
    with pytest.raises(ValidationError) as caught:
        mount_create(simulation_id=simulation.pk, agent_id=other.pk,
                     version_id=current.script_version_id, user=owner)
    assert caught.value.error_dict["simulation"][0].code == "closed"
    with pytest.raises(ValidationError) as caught:
        rotation_schedule(simulation_id=simulation.pk, mount_id=current.pk,
                          version_id=new_version(owner).pk, user=owner)
    assert caught.value.error_dict["simulation"][0].code == "closed"
