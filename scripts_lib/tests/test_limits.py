"""The script library's limits at their exact edges, at their configured defaults: a source of
exactly SCRIPT_SOURCE_MAX_BYTES is saved and one byte more is refused; a script's output
exactly at the SCRIPT_LOG_RETENTION_DAYS cut-off is kept and one second older is pruned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from scripts_lib.models import ScriptTickLog, ScriptVersion
from scripts_lib.services import script_create, script_version_create
from scripts_lib.tasks import prune_tick_logs
from scripts_lib.tests.conftest import mount

pytestmark = pytest.mark.django_db


def _source_of(size: int) -> str:
    head = "def decide(obs):\n    return {}\n#"
    return head + "x" * (size - len(head))


def test_a_source_of_exactly_the_byte_cap_is_saved_and_one_byte_more_is_refused(owner):
    cap = settings.SCRIPT_SOURCE_MAX_BYTES
    script = script_create(owner=owner, name="edge", agent_type="firm")
    saved = script_version_create(script=script, source=_source_of(cap), user=owner)
    assert len(saved.source.encode()) == cap
    with pytest.raises(ValidationError) as refused:
        script_version_create(script=script, source=_source_of(cap + 1), user=owner)
    error = refused.value.error_dict["source"][0]
    assert error.code == "too_large"
    assert f"at most {cap} allowed" in error.message % error.params
    assert ScriptVersion.objects.filter(script=script).count() == 1


def test_script_output_exactly_at_the_retention_cut_off_is_kept_and_one_second_older_goes(
        simulation, owner, advance, monkeypatch):
    mount(simulation, owner, "def decide(obs):\n    print('tick', obs['tick'])\n    return {}")
    for _ in range(3):
        advance()
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # the cut-off is taken from this clock
    assert settings.SCRIPT_LOG_RETENTION_DAYS > 0
    cut_off = now - timedelta(days=settings.SCRIPT_LOG_RETENTION_DAYS)
    for tick, age in ((1, timedelta(0)), (2, timedelta(seconds=1)),
                      (3, -timedelta(seconds=1))):
        ScriptTickLog.objects.filter(tick=tick).update(created_at=cut_off - age)
    assert prune_tick_logs.apply().get() == 1
    assert sorted(ScriptTickLog.objects.values_list("tick", flat=True)) == [1, 3]
