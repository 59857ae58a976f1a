"""The leaderboard of a simulation: its scripted agents of one type ranked by score, beside
the median of the agents no script drives (the bar to beat). It joins the archive's scores
(`history`) with the mounts and scripts (`scripts_lib`), hence it lives here.

Windows, all ending at the last scored day D (a window's score is the sum of its days'):
- `last_day`: day D;
- `last_7_days`: days max(1, D - 6) to D;
- `since_mount`: from the first full day of the agent's active mount (the day of its first
  tick when that tick opens a day, else the next day) to D.
A scripted agent gets a window's score only when its mount covers the whole window (no day
that its script did not drive counts for it); the bar of a window is the lower median of the
baseline agents' scores over the same days (an agent's own `since_mount` bar over its days).
Ranks follow one window (`rank_by`, default `last_7_days`): score descending, ties by engine
id ascending; agents without a score in that window come last, unranked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from history.selectors import scores_latest_day, scores_totals
from scripts_lib.models import Mount
from simulations.engine.scores import SCORED_TYPES
from simulations.models import Simulation, day_of_tick

WINDOWS = ("last_day", "last_7_days", "since_mount")
DEFAULT_RANK_BY = "last_7_days"
WEEK_DAYS = 7

Number = int | float


@dataclass(frozen=True)
class WindowScore:
    first_day: int
    last_day: int
    score: Number | None  # None: the mount does not cover the window
    bar: Number | None  # the baseline's lower median over the same days (None: no baseline)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int | None
    engine_id: int
    nickname: str
    script_name: str | None  # None when its owner hides it
    script_hidden: bool
    version: int
    since_tick: int
    first_full_day: int
    windows: dict[str, WindowScore]


@dataclass(frozen=True)
class Leaderboard:
    agent_type: str
    unit: str  # "utility" (households) or "cents"
    day: int | None  # the last scored day
    rank_by: str
    rows: list[LeaderboardRow] = field(default_factory=list)
    baseline: dict[str, WindowScore] = field(default_factory=dict)
    baseline_agents: int = 0


def first_full_day(since_tick: int, ticks_per_day: int) -> int:
    """The first day a mount drove from its first tick to its last."""
    if since_tick <= 1:
        return 1
    day = day_of_tick(since_tick, ticks_per_day)
    return day if (since_tick - 1) % ticks_per_day == 0 else day + 1


def lower_median(values: list[Number]) -> Number | None:
    if not values:
        return None
    return sorted(values)[(len(values) - 1) // 2]


def _window(totals: dict[int, dict[int, Number]], agent_id: int, first: int,
            last: int) -> Number:
    before = totals[first - 1].get(agent_id, 0) if first > 1 else 0
    return totals[last].get(agent_id, 0) - before


def leaderboard_get(*, simulation: Simulation, agent_type: str,
                    rank_by: str = DEFAULT_RANK_BY) -> Leaderboard:
    if agent_type not in SCORED_TYPES:
        raise ValueError(f"no scores for {agent_type}")
    if rank_by not in WINDOWS:
        raise ValueError(f"unknown window {rank_by}")
    unit = "utility" if agent_type == "household" else "cents"
    day = scores_latest_day(simulation_id=simulation.pk)
    mounts = list(Mount.objects.filter(simulation_id=simulation.pk, active=True,
                                       agent__agent_type=agent_type)
                  .select_related("agent__owner__profile", "script_version__script")
                  .order_by("agent__engine_id"))
    if day is None:
        return Leaderboard(agent_type, unit, None, rank_by)
    tpd = simulation.ticks_per_day
    firsts = {m.pk: first_full_day(m.since_tick, tpd) for m in mounts}
    fixed = {"last_day": (day, day), "last_7_days": (max(1, day - WEEK_DAYS + 1), day)}
    needed = {day} | {first - 1 for first, _ in fixed.values()} | {
        f - 1 for f in firsts.values() if f <= day}
    totals = scores_totals(simulation_id=simulation.pk, agent_type=agent_type, days=needed)
    scripted = {m.agent.engine_id for m in mounts}
    baseline_ids = [i for i in totals[day] if i not in scripted]

    bars: dict[tuple[int, int], Number | None] = {}

    def bar(first: int, last: int) -> Number | None:
        if (first, last) not in bars:
            bars[(first, last)] = lower_median(
                [_window(totals, i, first, last) for i in baseline_ids])
        return bars[(first, last)]

    rows = []
    for mount in mounts:
        engine_id, first = mount.agent.engine_id, firsts[mount.pk]
        windows = {}
        for name, (a, b) in {**fixed, "since_mount": (first, day)}.items():
            covered = first <= a and a <= b
            windows[name] = WindowScore(a, b, _window(totals, engine_id, a, b) if covered
                                        else None, bar(a, b) if covered else None)
        script = mount.script_version.script
        owner = mount.agent.owner
        nickname = owner.profile.display_name if owner is not None and hasattr(
            owner, "profile") else (owner.username if owner is not None else "")
        rows.append(LeaderboardRow(
            rank=None, engine_id=engine_id, nickname=nickname,
            script_name=None if script.hide_name else script.name,
            script_hidden=script.hide_name, version=mount.script_version.number,
            since_tick=mount.since_tick, first_full_day=first, windows=windows))
    ranked = sorted((r for r in rows if r.windows[rank_by].score is not None),
                    key=lambda r: (-r.windows[rank_by].score, r.engine_id))
    unranked = sorted((r for r in rows if r.windows[rank_by].score is None),
                      key=lambda r: r.engine_id)
    rows = [LeaderboardRow(**{**r.__dict__, "rank": n}) for n, r in enumerate(ranked, 1)]
    rows += unranked
    baseline = {name: WindowScore(a, b, bar(a, b), bar(a, b)) for name, (a, b) in fixed.items()}
    return Leaderboard(agent_type, unit, day, rank_by, rows, baseline, len(baseline_ids))
