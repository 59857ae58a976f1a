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


def agents_with_mount_history(*, agent_ids: list[int]) -> set[int]:
    """Of these agents, the ones a script has driven at some time (a mount, active or not)."""
    return set(Mount.objects.filter(agent_id__in=agent_ids).values_list("agent_id", flat=True))


def replay_days(*, simulation_id: int, ticks_per_day: int, last_tick: int,
                limit: int = 7) -> list[int]:
    """The latest `limit` archived days whose starting checkpoint is kept (newest first): the
    days a backtest can replay."""
    from simulations.models import Checkpoint

    starts = (Checkpoint.objects.filter(simulation_id=simulation_id, tick__lt=last_tick,
                                        kind=Checkpoint.Kind.DAY_END)
              .order_by("-tick").values_list("tick", flat=True)[:limit * 2])
    days = [tick // ticks_per_day + 1 for tick in starts if tick % ticks_per_day == 0
            and tick + ticks_per_day <= last_tick]
    return days[:limit]


def backtest_arm_rows(*, backtest: Backtest, arm_index: int, offset: int,
                      limit: int) -> list[BacktestTick]:
    """One page of an arm's stored rows, by tick."""
    return list(BacktestTick.objects.filter(arm__backtest=backtest, arm__index=arm_index)
                .order_by("tick")[offset:offset + limit])


def backtest_series(*, backtest: Backtest) -> dict[int, list[dict]]:
    """Every arm's stored rows (arm index -> rows by tick), for the charts."""
    out: dict[int, list[dict]] = {}
    for arm_index, data in backtest_rows(backtest=backtest).values_list("arm__index", "data"):
        out.setdefault(arm_index, []).append(data)
    return out


def versions_of(*, user: AbstractBaseUser) -> list:
    """The user's script versions (scripts not deleted), newest script first, then by
    number descending."""
    from scripts_lib.models import ScriptVersion

    return list(ScriptVersion.objects.filter(script__owner=user,
                                             script__archived_at__isnull=True)
                .select_related("script").order_by("-script__created_at", "-script_id",
                                                   "-number"))
