from __future__ import annotations

import datetime as dt
import json

import pytest

from scripts_lib.models import Mount, Rotation, Script, ScriptVersion
from scripts_lib.services import (
    mount_create,
    rotation_schedule,
    script_create,
    script_version_create,
)
from simulations.models import Agent
from web.tests.conftest import HOUSEHOLD

pytestmark = pytest.mark.django_db
OLD = dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.UTC)

BROKEN = """\
def decide(obs):
    share = 0.5
    return {"consume_share": share
"""


def _error_lines(html: str) -> list[dict]:
    raw = html.split('<script id="error-lines" type="application/json">')[1].split("</script>")[0]
    return json.loads(raw)


def test_pages_need_login(client, script):
    for path in ("/scripts/", f"/scripts/{script.pk}/", f"/scripts/{script.pk}/diff/?a=1&b=1"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_owner_and_operator_open_the_editor_other_users_get_404(client, owner, other_user,
                                                               operator, version):
    url = f"/scripts/{version.script_id}/"
    client.force_login(owner)
    html = client.get(url).content.decode()
    assert "codemirror.js" in html and "consume_share" in html and "Save as version 2" in html
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}versions/", {"source": HOUSEHOLD}).status_code == 404
    client.force_login(operator)
    assert "owned by owner" in client.get(url).content.decode()


def test_creating_a_script_opens_it_on_the_example_for_its_type(client, owner):
    client.force_login(owner)
    response = client.post("/scripts/", {"name": "buffer", "agent_type": "household"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Buffer-stock household" in html and "Save as version 1" in html


def test_a_duplicate_name_is_refused_on_the_form(client, owner, script):
    client.force_login(owner)
    response = client.post("/scripts/", {"name": "saver", "agent_type": "household"})
    assert response.status_code == 400
    assert "You already have a script named" in response.content.decode()


def test_saving_a_broken_version_shows_the_error_at_its_line_and_saves_nothing(client, owner,
                                                                                script):
    client.force_login(owner)
    response = client.post(f"/scripts/{script.pk}/versions/", {"source": BROKEN})
    # Redirect-after-post: the draft is shown at the editor's address, so a reload of the
    # page does not send the form again.
    assert response.status_code == 302
    assert response["Location"] == f"/scripts/{script.pk}/?draft=1"
    for _reload in range(2):
        html = client.get(response["Location"]).content.decode()
        lines = _error_lines(html)
        assert len(lines) == 1 and lines[0]["line"] == 3
        assert "syntax error" in lines[0]["message"]
        assert 'data-goto-line="3"' in html and 'data-testid="draft-note"' in html
        assert "return {&quot;consume_share&quot;: share" in html  # the typed source is kept
    assert not ScriptVersion.objects.filter(script=script).exists()


def test_the_draft_is_the_sessions_own_and_goes_once_a_version_is_saved(client, owner,
                                                                        other_user, script):
    client.force_login(owner)
    client.post(f"/scripts/{script.pk}/versions/", {"source": BROKEN})
    plain = client.get(f"/scripts/{script.pk}/").content.decode()
    assert "draft-note" not in plain and "share = 0.5" not in plain  # the example instead
    response = client.post(f"/scripts/{script.pk}/versions/", {"source": HOUSEHOLD})
    assert response.status_code == 302 and response["Location"].endswith("?v=1")
    html = client.get(f"/scripts/{script.pk}/?draft=1").content.decode()
    assert "draft-note" not in html and _error_lines(html) == []
    client.force_login(other_user)
    assert client.get(f"/scripts/{script.pk}/?draft=1").status_code == 404


def test_an_empty_save_is_kept_as_an_empty_draft(client, owner, script):
    client.force_login(owner)
    response = client.post(f"/scripts/{script.pk}/versions/", {"source": ""}, follow=True)
    html = response.content.decode()
    assert "The source is empty." in html and 'data-testid="draft-note"' in html
    assert not ScriptVersion.objects.filter(script=script).exists()


def test_a_forbidden_import_names_its_line(client, owner, script):
    client.force_login(owner)
    source = "import os\n\ndef decide(obs):\n    return {}\n"
    html = client.post(f"/scripts/{script.pk}/versions/", {"source": source},
                       follow=True).content.decode()
    assert _error_lines(html)[0]["line"] == 1


def test_a_fixed_version_is_saved_and_shown(client, owner, script):
    client.force_login(owner)
    response = client.post(f"/scripts/{script.pk}/versions/", {"source": HOUSEHOLD})
    assert response.status_code == 302 and response["Location"].endswith("?v=1")
    html = client.get(response["Location"]).content.decode()
    assert "Saved version 1." in html and _error_lines(html) == []


def test_diff_between_two_versions(client, owner, version):
    script_version_create(script=version.script, user=owner,
                          source=HOUSEHOLD.replace("0.5", "0.7"))
    client.force_login(owner)
    url = f"/scripts/{version.script_id}/diff/"
    html = client.get(url, {"a": 1, "b": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="diff"')
    assert '<td class="code del"><code>    return {&quot;consume_share&quot;: 0.5}' in html
    assert '<td class="code ins"><code>    return {&quot;consume_share&quot;: 0.7}' in html
    page = client.get(url, {"a": 1, "b": 2}).content.decode()
    assert "<html" in page
    assert client.get(url, {"a": 1, "b": 9}).status_code == 404
    assert client.get(url, {"a": "x"}).status_code == 404


def test_dry_run_against_my_agent(client, owner, household, version):
    client.force_login(owner)
    response = client.post(f"/scripts/{version.script_id}/v/1/dry-run/",
                           {"agent": household.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Valid decision" in html and "live observation" in html
    assert "household:3, tick 1" in html
    assert "&quot;consume_share&quot;: 0.5" in html and "deciding 1" in html
    assert "ms CPU" in html


def test_dry_run_shows_a_rejected_decision(client, owner, household, script):
    bad = script_version_create(script=script, user=owner,
                                source="def decide(obs):\n    return {'consume_share': 7}\n")
    client.force_login(owner)
    html = client.post(f"/scripts/{script.pk}/v/{bad.number}/dry-run/",
                       {"agent": household.pk}).content.decode()
    assert "Decision rejected" in html and "consume_share" in html


def test_dry_run_against_someone_elses_agent_is_refused(client, other_user, operator, version,
                                                         household):
    theirs = Agent.objects.get(simulation=household.simulation, agent_type="household",
                               engine_id=4)
    client.force_login(version.script.owner)
    html = client.post(f"/scripts/{version.script_id}/v/1/dry-run/",
                       {"agent": theirs.pk}).content.decode()
    assert "No agent" in html and "claimed by you" in html
    client.force_login(other_user)
    assert client.post(f"/scripts/{version.script_id}/v/1/dry-run/",
                       {"agent": household.pk}).status_code == 404


def test_mount_unmount_and_rotate(client, owner, household, version):
    client.force_login(owner)
    url = f"/scripts/{version.script_id}/"
    response = client.post(f"{url}v/1/mount/", {"agent": household.pk}, follow=True)
    assert "now drives household:3 from the next tick" in response.content.decode()
    mount = Mount.objects.get(agent=household, active=True)
    assert mount.script_version == version
    script_version_create(script=version.script, user=owner, source=HOUSEHOLD + "\n# v2\n")
    response = client.post(f"{url}v/2/rotate/", {"mount": mount.pk}, follow=True)
    assert "saver v2 replaces saver v1 on household:3 at the end of day 1" in \
        response.content.decode()
    assert Rotation.objects.get(mount=mount).new_version.number == 2
    response = client.post(f"{url}mounts/{mount.pk}/unmount/", follow=True)
    assert "follows its baseline rule" in response.content.decode()
    assert not Mount.objects.filter(agent=household, active=True).exists()


def test_cannot_mount_on_an_agent_i_do_not_own(client, other_user, owner, household, script):
    mine = script_version_create(script=script, user=owner, source=HOUSEHOLD)
    client.force_login(owner)
    theirs = Agent.objects.get(simulation=household.simulation, agent_type="household",
                               engine_id=5)
    response = client.post(f"/scripts/{script.pk}/v/{mine.number}/mount/",
                           {"agent": theirs.pk}, follow=True)
    assert "Choose one of your agents" in response.content.decode()
    assert not Mount.objects.exists()


def test_other_users_cannot_unmount_my_script(client, owner, other_user, household, version):
    mount = mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                         version_id=version.pk, user=owner)
    client.force_login(other_user)
    url = f"/scripts/{version.script_id}/mounts/{mount.pk}/unmount/"
    assert client.post(url).status_code == 404
    assert Mount.objects.get(pk=mount.pk).active


def test_the_script_list_shows_only_mine(client, owner, other_user, script):
    client.force_login(other_user)
    html = client.get("/scripts/").content.decode()
    assert "saver" not in html and "You have no script yet." in html
    client.force_login(owner)
    assert f'href="/scripts/{script.pk}/"' in client.get("/scripts/").content.decode()


def test_an_agent_running_another_script_can_switch_to_this_one_at_day_end(client, owner,
                                                                           household, version):
    from scripts_lib.services import script_create

    mount = mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                         version_id=version.pk, user=owner)
    other = script_create(owner=owner, name="spender", agent_type="household")
    script_version_create(script=other, user=owner, source=HOUSEHOLD.replace("0.5", "0.9"))
    client.force_login(owner)
    html = client.get(f"/scripts/{other.pk}/").content.decode()
    assert 'data-testid="switchable"' in html and "runs saver v1" in html
    response = client.post(f"/scripts/{other.pk}/v/1/rotate/", {"mount": mount.pk}, follow=True)
    assert "spender v1 replaces saver v1 on household:3 at the end of day 1" in \
        response.content.decode()
    assert Rotation.objects.get(mount=mount).new_version.script == other


def test_the_list_shows_the_last_versions_time_not_the_creation(client, owner, script):
    Script.objects.filter(pk=script.pk).update(created_at=OLD, updated_at=OLD)
    version = script_version_create(script=script, user=owner, source=HOUSEHOLD)
    client.force_login(owner)
    for url in ("/scripts/", "/dashboard/?tab=scripts"):
        html = client.get(url).content.decode()
        assert f"{version.created_at:%Y-%m-%d %H:%M} UTC" in html
        assert "2020-01-02" not in html
    empty = script_create(owner=owner, name="empty", agent_type="firm")
    Script.objects.filter(pk=empty.pk).update(created_at=OLD)
    assert "2020-01-02 03:04 UTC" in client.get("/scripts/").content.decode()


def test_the_list_shows_where_each_script_runs(client, owner, household, version):
    mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                 version_id=version.pk, user=owner)
    idle = script_create(owner=owner, name="idle", agent_type="household")
    client.force_login(owner)
    html = client.get("/scripts/").content.decode()
    row = html.split(f'data-testid="script-row-{version.script_id}"')[1].split("</tr>")[0]
    assert f'href="/dashboard/#simulation-{household.simulation_id}">web-world</a>' in row
    assert f'href="/dashboard/#agent-{household.pk}">Household 3</a>' in row and "v1" in row
    other = html.split(f'data-testid="script-row-{idle.pk}"')[1].split("</tr>")[0]
    assert "not mounted" in other
    # The links land on the dashboard's simulation card and agent row.
    dashboard = client.get("/dashboard/").content.decode()
    assert f'id="simulation-{household.simulation_id}"' in dashboard
    assert f'id="agent-{household.pk}"' in dashboard


def test_rename_a_script(client, owner, script):
    client.force_login(owner)
    response = client.post(f"/scripts/{script.pk}/rename/", {"name": "  thrifty "}, follow=True)
    assert "Renamed to thrifty." in response.content.decode()
    assert Script.objects.get(pk=script.pk).name == "thrifty"
    assert client.get(f"/scripts/{script.pk}/rename/").status_code == 405


@pytest.mark.parametrize(("name", "said"), [
    ("", "Name: This field is required."),
    ("   ", "Name: This field is required."),
    ("x" * 81, "Name: Ensure this value has at most 80 characters (it has 81)."),
    ("taken", "Name: You already have a script named 'taken'."),
    ("a\x00b", "Name: Null characters are not allowed."),
])
def test_a_bad_name_is_refused_and_changes_nothing(client, owner, script, name, said):
    script_create(owner=owner, name="taken", agent_type="firm")
    client.force_login(owner)
    response = client.post(f"/scripts/{script.pk}/rename/", {"name": name})
    assert response.status_code == 302 and response["Location"] == f"/scripts/{script.pk}/"
    assert said in client.get(response["Location"]).content.decode().replace("&#x27;", "'")
    assert Script.objects.get(pk=script.pk).name == "saver"


def test_other_users_cannot_rename_or_delete_my_script(client, other_user, script):
    client.force_login(other_user)
    assert client.post(f"/scripts/{script.pk}/rename/", {"name": "mine"}).status_code == 404
    assert client.post(f"/scripts/{script.pk}/delete/").status_code == 404
    assert Script.objects.get(pk=script.pk).name == "saver"
    assert client.post("/scripts/999999/delete/").status_code == 404


def test_an_unused_script_is_deleted(client, owner, version):
    client.force_login(owner)
    response = client.post(f"/scripts/{version.script_id}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/scripts/"
    assert "Deleted saver." in response.content.decode()
    assert not Script.objects.filter(pk=version.script_id).exists()


def test_a_mounted_script_cannot_be_deleted_and_a_used_one_is_archived(client, owner,
                                                                       household, version):
    mount = mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                         version_id=version.pk, user=owner)
    client.force_login(owner)
    url = f"/scripts/{version.script_id}/"
    assert "It is mounted: unmount it everywhere first." in client.get(url).content.decode()
    response = client.post(f"{url}delete/", follow=True)
    assert "unmount it first" in response.content.decode()
    assert Script.objects.get(pk=version.script_id).archived_at is None
    client.post(f"{url}mounts/{mount.pk}/unmount/")
    response = client.post(f"{url}delete/", follow=True)
    assert "kept in the simulations&#x27; history" in response.content.decode()
    archived = Script.objects.get(pk=version.script_id)
    assert archived.archived_at is not None  # the record of the ticks it drove stays
    assert ScriptVersion.objects.filter(pk=version.pk).exists()
    assert client.get(url).status_code == 404
    assert "saver" not in client.get("/scripts/").content.decode()
    # Its name is free again.
    assert client.post("/scripts/", {"name": "saver", "agent_type": "household"}).status_code \
        == 302


def test_a_script_due_to_take_over_an_agent_cannot_be_deleted(client, owner, household,
                                                              version):
    mount = mount_create(simulation_id=household.simulation_id, agent_id=household.pk,
                         version_id=version.pk, user=owner)
    other = script_create(owner=owner, name="spender", agent_type="household")
    switch = script_version_create(script=other, user=owner, source=HOUSEHOLD)
    rotation_schedule(simulation_id=household.simulation_id, mount_id=mount.pk,
                      version_id=switch.pk, user=owner)
    client.force_login(owner)
    response = client.post(f"/scripts/{other.pk}/delete/", follow=True)
    assert "due to replace a mounted script" in response.content.decode()
    assert Script.objects.get(pk=other.pk).archived_at is None
