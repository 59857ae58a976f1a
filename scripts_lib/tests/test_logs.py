"""Retention of the scripts' printed output: a daily task prunes old ScriptTickLog rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scripts_lib.models import ScriptFailure, ScriptTickLog
from scripts_lib.services import script_tick_logs_prune
from scripts_lib.tasks import prune_tick_logs
from scripts_lib.tests.conftest import mount

NOISY = "def decide(obs):\n    print('tick', obs['tick'])\n    raise ValueError('x')"


def _age(ticks: list[int], days: int) -> None:
    ScriptTickLog.objects.filter(tick__in=ticks).update(
        created_at=timezone.now() - timedelta(days=days))


def test_old_output_is_pruned_and_failures_are_kept(simulation, owner, advance):
    mount(simulation, owner, NOISY)
    for _ in range(3):
        advance()
    _age([1, 2], days=15)
    assert script_tick_logs_prune(older_than_days=14, batch=1) == 2
    assert list(ScriptTickLog.objects.values_list("tick", flat=True)) == [3]
    assert ScriptFailure.objects.count() == 3


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_prune_task_runs_on_a_live_worker(simulation, owner, advance, settings,
                                              celery_live_worker):
    mount(simulation, owner, NOISY)
    advance()
    advance()
    _age([1], days=3)
    assert prune_tick_logs.delay(2).get(timeout=60) == 1
    assert list(ScriptTickLog.objects.values_list("tick", flat=True)) == [2]
    assert "scripts-prune-tick-logs" in settings.CELERY_BEAT_SCHEDULE
