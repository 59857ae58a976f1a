from __future__ import annotations

import json

import pytest

from scripts_lib.models import Mount, Rotation, ScriptVersion
from scripts_lib.services import mount_create, script_version_create
from simulations.models import Agent
from web.tests.conftest import HOUSEHOLD

pytestmark = pytest.mark.django_db

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
