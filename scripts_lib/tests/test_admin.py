"""The operators' console: read-only record, bulk remount and rotation actions."""

import pytest
from django.test import Client

from scripts_lib.models import Mount, Rotation, ScriptVersion
from scripts_lib.tests.conftest import HOUSEHOLD, mount, new_version


@pytest.fixture
def console(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_every_scripts_admin_page_opens(console, simulation, owner, advance):
    mounted = mount(simulation, owner, "def decide(obs):\n    print('hi')\n    raise KeyError(1)")
    advance()
    for name in ("script", "scriptversion", "mount", "rotation", "scriptfailure",
                 "scriptticklog", "scriptquota"):
        assert console.get(f"/admin/scripts_lib/{name}/").status_code == 200, name
    page = console.get(f"/admin/scripts_lib/scriptversion/{mounted.script_version_id}/change/")
    assert "   1  def decide(obs):" in page.content.decode()
    assert "   3      raise KeyError(1)" in page.content.decode()
    assert console.get(f"/admin/scripts_lib/mount/{mounted.pk}/change/").status_code == 200


def test_a_version_that_ran_cannot_be_deleted_an_unused_one_can(console, simulation, owner):
    used = mount(simulation, owner).script_version
    unused = new_version(owner)
    assert console.get(f"/admin/scripts_lib/scriptversion/{used.pk}/delete/").status_code == 403
    response = console.post(f"/admin/scripts_lib/scriptversion/{unused.pk}/delete/",
                            {"post": "yes"})
    assert response.status_code == 302
    assert list(ScriptVersion.objects.values_list("pk", flat=True)) == [used.pk]


def test_bulk_remount_asks_for_a_version_then_remounts(console, simulation, owner, other_user):
    first = mount(simulation, owner, engine_id=0)
    second = mount(simulation, other_user, engine_id=1)
    Mount.objects.filter(pk=first.pk).update(memory={"kept": True})
    firm = mount(simulation, owner, "def decide(obs):\n    return {}", "firm", 0)
    fixed = new_version(owner, HOUSEHOLD.replace("0.5", "0.4"))
    selected = {"action": "bulk_remount", "_selected_action": [first.pk, second.pk, firm.pk]}
    page = console.post("/admin/scripts_lib/mount/", selected)
    assert page.status_code == 200 and b"Remount with a version" in page.content
    done = console.post("/admin/scripts_lib/mount/", {**selected, "apply": "1",
                                                      "version": fixed.pk,
                                                      "keep_memory": "on"}, follow=True)
    assert "Remounted 2 agent(s); skipped 1" in done.content.decode()
    active = {m.agent.engine_id: m for m in Mount.objects.filter(
        active=True, agent__agent_type="household").select_related("agent")}
    assert {m.script_version_id for m in active.values()} == {fixed.pk}
    assert active[0].memory == {"kept": True} and active[0].since_tick == 1
    assert Mount.objects.get(pk=first.pk).unmounted_why == "remounted"
    assert Mount.objects.get(pk=firm.pk).active


def test_schedule_rotation_action(console, simulation, owner):
    first = mount(simulation, owner)
    newer = new_version(owner, HOUSEHOLD.replace("0.5", "0.3"))
    response = console.post("/admin/scripts_lib/mount/", {
        "action": "schedule_rotation", "_selected_action": [first.pk], "apply": "1",
        "version": newer.pk}, follow=True)
    assert "Scheduled 1 rotation(s)." in response.content.decode()
    rotation = Rotation.objects.get()
    assert (rotation.mount_id, rotation.new_version_id, rotation.status) == (
        first.pk, newer.pk, "pending")
