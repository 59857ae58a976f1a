from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from history.models import AgentSnapshot, LedgerEntry, TickAggregate, TickAudit, TickLog, Trade
from history.tasks import prune_tick_logs

pytestmark = pytest.mark.django_db


def _age_logs(sim, ticks: list[int], days: int) -> None:
    TickLog.objects.filter(simulation=sim, tick__in=ticks).update(
        recorded_at=timezone.now() - timedelta(days=days))


def _counts(sim) -> dict[str, int]:
    return {model.__name__: model.objects.filter(simulation=sim).count()
            for model in (LedgerEntry, Trade, AgentSnapshot, TickAggregate, TickAudit)}


def test_prune_history_deletes_old_logs_and_keeps_the_rest(archived, capsys):
    _age_logs(archived, [1, 2], days=40)
    kept = _counts(archived)
    call_command("prune_history", "--days", "30")
    assert "deleted 2 tick log rows" in capsys.readouterr().out
    assert sorted(TickLog.objects.filter(simulation=archived).values_list("tick", flat=True)) \
        == [3, 4]
    assert _counts(archived) == kept and kept["AgentSnapshot"] and kept["TickAudit"] == 4


def test_prune_history_can_target_one_simulation(archived, ingest, world_ticks):
    from simulations.models import Simulation

    other = Simulation.objects.create(name="other")
    ingest(other, world_ticks[:1])
    TickLog.objects.update(recorded_at=timezone.now() - timedelta(days=10))
    call_command("prune_history", "--days", "5", "--simulation", str(other.pk))
    assert not TickLog.objects.filter(simulation=other).exists()
    assert TickLog.objects.filter(simulation=archived).count() == 4


def test_prune_history_refuses_a_nonsense_age(archived):
    with pytest.raises(CommandError, match="--days"):
        call_command("prune_history", "--days", "0")


def test_the_beat_task_uses_the_operators_setting(archived, settings):
    _age_logs(archived, [1], days=8)
    settings.HISTORY_RETENTION_DAYS = 0  # keep forever
    assert prune_tick_logs.apply().get() == 0
    settings.HISTORY_RETENTION_DAYS = 7
    assert prune_tick_logs.apply().get() == 1
    assert TickLog.objects.filter(simulation=archived).count() == 3
    assert "history-prune-tick-logs" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_prune_task_runs_on_a_live_worker(simulation, ingest, world_ticks,
                                              celery_live_worker):
    from django.db import transaction

    with transaction.atomic():  # the orchestrator's transaction, committed for the worker
        ingest(simulation, world_ticks[:2])
    _age_logs(simulation, [1], days=8)
    assert prune_tick_logs.delay(7).get(timeout=60) == 1
    assert list(TickLog.objects.filter(simulation=simulation).values_list("tick", flat=True)) \
        == [2]
    assert TickAggregate.objects.filter(simulation=simulation).count() == 2
