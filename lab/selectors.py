"""Reading backtests (each user sees their own: another user's is a 404) and what a backtest
reads from the archive about the user's agent."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from history.models import DecisionRecord
from lab.models import Backtest, BacktestArm, BacktestTick
from scripts_lib.models import Mount
from simulations.engine.vocabulary import AGENT_TYPE_CODES


def backtests_for(*, user: AbstractBaseUser) -> QuerySet[Backtest]:
    return (Backtest.objects.filter(owner=user)
            .select_related("script_version__script").prefetch_related("arms"))


def backtest_get(*, user: AbstractBaseUser, backtest_id: int) -> Backtest:
    backtest = backtests_for(user=user).filter(pk=backtest_id).first()
    if backtest is None:
        raise Http404("No such backtest of yours.")
    return backtest


def backtest_rows(*, backtest: Backtest, arm_index: int | None = None) -> QuerySet[BacktestTick]:
    """Every stored per-tick row, by arm then tick."""
    rows = BacktestTick.objects.filter(arm__backtest=backtest).select_related("arm")
    if arm_index is not None:
        rows = rows.filter(arm__index=arm_index)
    return rows.order_by("arm__index", "tick")


def arms_of(*, backtest_id: int) -> list[BacktestArm]:
    return list(BacktestArm.objects.filter(backtest_id=backtest_id).order_by("index"))


def agent_records(*, simulation_id: int, agent: tuple[str, int], first_tick: int,
                  last_tick: int) -> dict[int, dict]:
    """tick -> what the agent's script did in the archive (outcome, decision, field, rule,
    CPU, version id)."""
    rows = DecisionRecord.objects.filter(
        simulation_id=simulation_id, agent_type=AGENT_TYPE_CODES[agent[0]], agent_id=agent[1],
        tick__gte=first_tick, tick__lte=last_tick,
    ).values("tick", "outcome", "decision", "field", "rule", "cpu_ms", "version_id")
    return {row.pop("tick"): row for row in rows}


def version_at(*, simulation_id: int, agent_id: int, agent: tuple[str, int],
               tick: int) -> int | None:
    """The script version that decided for the agent at `tick`: the archive's record, else the
    mount that covered that tick (a tick past the archive, or archived before decisions
    were)."""
    archived = DecisionRecord.objects.filter(
        simulation_id=simulation_id, agent_type=AGENT_TYPE_CODES[agent[0]], agent_id=agent[1],
        tick=tick).values_list("version_id", flat=True).first()
    if archived is not None:
        return archived
    mount = (Mount.objects.filter(simulation_id=simulation_id, agent_id=agent_id,
                                  since_tick__lte=tick)
             .exclude(unmounted_tick__lt=tick)
             .order_by("-since_tick", "-id").values_list("script_version_id", flat=True)
             .first())
    return mount
