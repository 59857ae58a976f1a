"""History's limits at their exact edges: the page size cap and the tick-log retention
cut-off (a row exactly at the cut-off is kept, one second older is pruned)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from history.models import TickLog
from history.tasks import prune_tick_logs
from history.tests.conftest import history_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 400)])
def test_a_page_may_be_exactly_the_page_size_cap(simulation, ingest, world_ticks, operator,
                                                 client_for, extra, status):
    ingest(simulation, world_ticks[:1])
    limit = settings.HISTORY_PAGE_SIZE_MAX + extra
    response = client_for(operator).get(history_url(simulation, "ledger"), {"limit": limit})
    assert response.status_code == status
    if status == 400:
        assert response.json()["errors"][0] == {
            "field": "limit", "rule": "max_value",
            "message": f"Ensure this value is less than or equal to "
                       f"{settings.HISTORY_PAGE_SIZE_MAX}."}


def test_a_tick_log_exactly_at_the_retention_cut_off_is_kept_and_one_second_older_goes(
        archived, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # the cut-off is taken from this clock
    cut_off = now - timedelta(days=settings.HISTORY_RETENTION_DAYS)
    assert settings.HISTORY_RETENTION_DAYS > 0
    TickLog.objects.filter(simulation=archived, tick=1).update(recorded_at=cut_off)
    TickLog.objects.filter(simulation=archived, tick=2).update(
        recorded_at=cut_off - timedelta(seconds=1))
    TickLog.objects.filter(simulation=archived, tick__gt=2).update(
        recorded_at=cut_off + timedelta(seconds=1))
    assert prune_tick_logs.apply().get() == 1
    assert sorted(TickLog.objects.filter(simulation=archived).values_list("tick", flat=True)) \
        == [1, 3, 4]
