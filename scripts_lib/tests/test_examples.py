"""The example strategies pass the upload checks and drive their agents tick after tick."""

from scripts_lib.examples import script_examples
from scripts_lib.models import Mount, ScriptFailure
from scripts_lib.sandbox import check_source
from scripts_lib.services import mount_create, script_create, script_version_create
from scripts_lib.tests.conftest import claim


def test_two_examples_a_household_and_a_firm():
    examples = script_examples()
    assert [(name, agent_type) for name, agent_type, _, _ in examples] == [
        ("Buffer-stock household", "household"), ("Inventory-driven firm", "firm")]
    for _, _, description, source in examples:
        assert len(description) > 40 and check_source(source) == []


def test_the_examples_run_for_a_day_without_failing_and_keep_memory(
        simulation, owner, advance):
    for name, agent_type, description, source in script_examples():
        script = script_create(owner=owner, name=name, agent_type=agent_type,
                               description=description)
        version = script_version_create(script=script, source=source, user=owner)
        for engine_id in (0, 1):
            agent = claim(simulation, owner, agent_type, engine_id)
            mount_create(simulation_id=simulation.pk, agent_id=agent.pk,
                         version_id=version.pk, user=owner)
    for _ in range(4):
        run, result = advance()
        assert len(run.decisions) == 4 and result.rejected == []
    assert not ScriptFailure.objects.exists()
    memories = {m.agent.agent_type: m.memory for m in Mount.objects.select_related("agent")}
    assert len(memories["household"]["recent"]) == 4
    assert len(memories["firm"]["prices"]) == 4
