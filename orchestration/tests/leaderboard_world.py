"""A small world whose firm scores are written by hand, for the leaderboard's tests (its
selector, API and page). 10 firms, 8 days of 4 ticks, cents per day:

- baseline firms 0, 1, 3, 4, 6, 8, 9: 10 x id every day (so n days: 10 x id x n);
- firm 2 (alice, "steady", since tick 1: first full day 1): 50 a day, -100 on day 8;
- firm 5 (bob, "secret", hidden, since tick 6: first full day 3): 1000 on days 1-2 (before
  its script: they never count for it), then 30 a day;
- firm 7 (carol, "late", since tick 29: first full day 8): 0, then 30 on day 8.

Worked by hand (D = 8):
- last day: 5 and 7 tie at 30 (engine id breaks it: 5 first), 2 has -100;
  the bar is the lower median of [0, 10, 30, 40, 60, 80, 90] = 40;
- last 7 days (days 2-8): only 2 covers them: 6 x 50 - 100 = 200; bar 7 x 40 = 280;
- since the mount: 2 (days 1-8) 250, bar 320; 5 (days 3-8) 180, bar 240; 7 (day 8) 30,
  bar 40.
"""

from __future__ import annotations

from django.db import transaction

from accounts.tests.factories import UserFactory
from history.services import history_ingest_scores
from scripts_lib.models import Mount
from scripts_lib.services import mount_create, script_create, script_update, script_version_create
from simulations.engine.vocabulary import AGENT_TYPE_CODES
from simulations.models import Agent, Simulation
from simulations.tests.conftest import SMALL, make_simulation

DAYS = 8
TICKS_PER_DAY = 4
SOURCE = "def decide(obs):\n    return {}\n"
SCRIPTED = {2: ("alice", "Alice", "steady", 1, False), 5: ("bob", "Bob", "secret", 6, True),
            7: ("carol", "", "late", 29, False)}


def firm_day_score(firm: int, day: int) -> int:
    if firm == 2:
        return -100 if day == DAYS else 50
    if firm == 5:
        return 1000 if day <= 2 else 30
    if firm == 7:
        return 30 if day == DAYS else 0
    return 10 * firm


def leaderboard_world(name: str = "ranked-world") -> tuple[Simulation, dict]:
    sim = make_simulation(name, ticks_per_day=TICKS_PER_DAY)
    users = {}
    for firm, (username, nickname, script_name, since, hidden) in SCRIPTED.items():
        user = UserFactory(username=username)
        user.profile.nickname = nickname
        user.profile.save()
        users[username] = user
        agent = Agent.objects.get(simulation=sim, agent_type="firm", engine_id=firm)
        Agent.objects.filter(pk=agent.pk).update(owner=user)
        script = script_create(owner=user, name=script_name, agent_type="firm")
        if hidden:
            script_update(script=script, hide_name=True)
        version = script_version_create(script=script, source=SOURCE, user=user)
        mount = mount_create(simulation_id=sim.pk, agent_id=agent.pk, version_id=version.pk,
                             user=user)
        Mount.objects.filter(pk=mount.pk).update(since_tick=since)
    Simulation.objects.filter(pk=sim.pk).update(tick=DAYS * TICKS_PER_DAY)
    sim.refresh_from_db()
    rows = []
    totals: dict[tuple[int, int], int | float] = {}
    for day in range(1, DAYS + 1):
        for agent_type, n in (("household", SMALL["n_households"]),
                              ("firm", SMALL["n_firms"]), ("bank", SMALL["n_banks"])):
            code = AGENT_TYPE_CODES[agent_type]
            for i in range(n):
                if agent_type == "firm":
                    score = firm_day_score(i, day)
                elif agent_type == "bank":
                    score = 1000 * (i + 1)
                else:
                    score = 0.5 * i
                total = totals.get((code, i), 0) + score
                totals[(code, i)] = total
                if agent_type == "household":
                    rows.append((sim.pk, day, day * TICKS_PER_DAY, code, i, score, total,
                                 None, None, 0))
                else:
                    rows.append((sim.pk, day, day * TICKS_PER_DAY, code, i, float(score),
                                 float(total), score, total, 0))
    with transaction.atomic():
        history_ingest_scores(rows=rows)
    return sim, users
