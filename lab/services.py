"""Backtests: creating one (checks, quotas, CPU reservation, retention), running one arm (the
runner on inputs read from the archive; its rows stored as they come), finishing, cancelling
and failing the stale ones.

A backtest writes only its own tables (lab_*) and the owner's CPU bucket and quota rows. It
reads the simulation's checkpoint and archive; it never loads the world through the world
cache (`simulations.worlds.world_load` would store it there), never locks the simulation and
never writes a Simulation, Checkpoint, history or script row.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app, group
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.cpu_bucket import cpu_bucket_draw, cpu_bucket_refund
from econsim_project.field_errors import field_error
from history.replay import day_end_memory
from lab import selectors
from lab.errors import BacktestLimit
from lab.models import (
    ACTIVE_STATUSES,
    ArmKind,
    Backtest,
    BacktestArm,
    BacktestTick,
    Status,
)
from lab.quotas import backtest_ticks_reserve
from lab.runner import ARCHIVED, BASELINE, SCRIPT, Arm, ArmOutcome, Inputs, row_bytes, run_arm
from orchestration.replay import archived_range
from scripts_lib.models import Script, ScriptVersion
from scripts_lib.quotas import cpu_budgets, utc_day
from scripts_lib.runtime import sandbox_get
from scripts_lib.sandbox import SandboxError
from simulations.engine import ConfigError, World
from simulations.engine.config import Config
from simulations.models import NEW_WORLD_MODEL, Agent, Checkpoint, Scenario

logger = logging.getLogger(__name__)

ARM_TASK = "lab.run_arm"
MAX_ARMS = 4
RUNNER_KIND = {ArmKind.CANDIDATE: SCRIPT, ArmKind.VERSION: SCRIPT, ArmKind.MOUNTED: ARCHIVED,
               ArmKind.BASELINE: BASELINE}
WORLD_KEYS = ("scenario", "n_households", "n_firms", "n_banks", "seed", "agent_id")


@dataclass(frozen=True)
class ArmRequest:
    """One arm as asked: a kind, and for `version` the script and number."""

    kind: str
    number: int | None = None
    script_id: int | None = None


@dataclass(frozen=True)
class _ResolvedArm:
    kind: str
    label: str
    version: ScriptVersion | None


# --- creation -------------------------------------------------------------------------------

def backtest_create(*, user: AbstractBaseUser, version: ScriptVersion, ticks: int,
                    arms: list[ArmRequest] | None = None, agent_id: int | None = None,
                    start_tick: int | None = None, world: dict | None = None) -> Backtest:
    """Check the request, charge the quotas and queue one task per arm. Raises field errors
    (400) for what is wrong with the request and BacktestLimit (429) for a spent quota; a
    refused request charges and changes nothing."""
    if not 1 <= ticks <= settings.LAB_BACKTEST_MAX_TICKS:
        raise field_error("ticks", "range", "From 1 to %(max)s ticks.",
                          max=settings.LAB_BACKTEST_MAX_TICKS)
    if (agent_id is None) == (world is None):
        raise field_error("agent", "agent_or_world",
                          "Give either an agent you own (with start_tick) or a fresh world.")
    agent_type = version.script.agent_type
    fields: dict[str, Any]
    if agent_id is not None:
        fields = _from_agent(user, agent_id, agent_type, start_tick, ticks)
    else:
        fields = _fresh_world(world or {}, agent_type)
    if arms is None:
        arms = [ArmRequest(ArmKind.CANDIDATE), ArmRequest(ArmKind.BASELINE)]
        if fields["simulation"] is not None and selectors.version_at(
                simulation_id=fields["simulation"].pk, agent_id=fields["agent"].pk,
                agent=(fields["agent_type"], fields["agent_engine_id"]),
                tick=fields["start_tick"] + 1) is not None:
            arms.insert(1, ArmRequest(ArmKind.MOUNTED))
    resolved = _resolve_arms(user, version, arms, fields)
    with transaction.atomic():
        active = Backtest.objects.select_for_update().filter(
            owner=user, status__in=ACTIVE_STATUSES).count()
        if active >= settings.LAB_BACKTESTS_ACTIVE_MAX:
            raise BacktestLimit(rule="backtests_active", message=(
                f"At most {settings.LAB_BACKTESTS_ACTIVE_MAX} of your backtests may be queued "
                "or running at once; wait for one to finish or cancel one."))
        arm_ticks = len(resolved) * ticks
        now = timezone.now()
        if not backtest_ticks_reserve(user_id=user.pk, arm_ticks=arm_ticks, now=now):
            wait = int((utc_day(now)[1] - now).total_seconds()) + 1
            raise BacktestLimit(rule="backtest_ticks_per_day", wait=wait, message=(
                f"Limit of {settings.LAB_BACKTEST_TICKS_PER_DAY} backtest ticks (arms x "
                f"ticks) per day reached; this backtest needs {arm_ticks}."))
        per_call = cpu_budgets(user_ids=[user.pk])[user.pk]
        archived_ticks = (fields["archive_last_tick"] - fields["start_tick"]
                          if fields["archive_last_tick"] is not None else 0)
        needs = [_cpu_need(arm, ticks, archived_ticks, per_call) for arm in resolved]
        reserved = cpu_bucket_draw(user_id=user.pk, want_ms=sum(needs)) if sum(needs) else 0
        if sum(needs) and reserved < 1:
            raise BacktestLimit(rule="script_cpu_bucket", message=(
                "Your script CPU bucket is empty: backtests run their scripts on it. It fills "
                "with the CPU your mounted scripts leave unused in live ticks."))
        backtest = Backtest.objects.create(
            owner=user, script_version=version, ticks=ticks, arm_ticks=arm_ticks,
            cpu_ms_per_call=per_call, cpu_reserved_ms=reserved, **fields)
        pools = _split(reserved, needs)
        BacktestArm.objects.bulk_create([
            BacktestArm(backtest=backtest, index=i, kind=arm.kind,
                        runner_kind=RUNNER_KIND[arm.kind], label=arm.label, version=arm.version,
                        version_number=arm.version.number if arm.version else None,
                        cpu_pool_ms=pools[i] if needs[i] else None, heartbeat_at=now)
            for i, arm in enumerate(resolved)])
        _retention(user)
        transaction.on_commit(lambda: backtest_dispatch(backtest_id=backtest.pk))
    return backtest


def _cpu_need(arm: _ResolvedArm, ticks: int, archived_ticks: int, per_call: int) -> int:
    runner_kind = RUNNER_KIND[arm.kind]
    if runner_kind == SCRIPT:
        return ticks * per_call
    if runner_kind == ARCHIVED:
        return max(0, ticks - archived_ticks) * per_call
    return 0


def _split(total: int, needs: list[int]) -> list[int]:
    """`total` split in proportion to `needs`, in whole ms, summing to at most `total`."""
    whole = sum(needs)
    return [total * need // whole if whole else 0 for need in needs]


def _from_agent(user: AbstractBaseUser, agent_id: int, agent_type: str,
                start_tick: int | None, ticks: int) -> dict[str, Any]:
    agent = Agent.objects.select_related("simulation").filter(pk=agent_id, owner=user).first()
    if agent is None or agent.simulation.archived_at is not None:
        raise field_error("agent", "not_claimed", "No agent %(id)s claimed by you.", id=agent_id)
    if agent.agent_type != agent_type:
        raise field_error("agent", "agent_type_mismatch",
                          "This is a %(script)s script; the agent is a %(agent)s.",
                          script=agent_type, agent=agent.agent_type)
    sim = agent.simulation
    if start_tick is None:
        raise field_error("start_tick", "required", "A day-end tick to start from.")
    if not 0 <= start_tick <= sim.tick or start_tick % sim.ticks_per_day:
        raise field_error("start_tick", "not_day_end",
                          "Start at a day end the simulation has reached (a multiple of "
                          "%(n)s up to %(tick)s).", n=sim.ticks_per_day, tick=sim.tick)
    checkpoint = Checkpoint.objects.filter(simulation=sim, tick=start_tick).only(
        "state_hash").first()
    if checkpoint is None:
        raise field_error("start_tick", "no_checkpoint",
                          "No checkpoint of tick %(tick)s is kept.", tick=start_tick)
    return {"simulation": sim, "agent": agent, "agent_type": agent.agent_type,
            "agent_engine_id": agent.engine_id, "seed": sim.seed,
            "ticks_per_day": sim.ticks_per_day, "start_tick": start_tick,
            "archive_last_tick": min(start_tick + ticks, sim.tick),
            "start_hash": checkpoint.state_hash, "world": {}}


def _fresh_world(world: dict, agent_type: str) -> dict[str, Any]:
    unknown = sorted(set(world) - set(WORLD_KEYS))
    if unknown:
        raise field_error(f"world.{unknown[0]}", "unknown_field", "Not a world setting.")
    scenario = world.get("scenario", Scenario.BASELINE)
    if scenario not in Scenario.values:
        raise field_error("world.scenario", "invalid_choice", "One of %(choices)s.",
                          choices=", ".join(Scenario.values))
    overrides = {key: world[key] for key in ("n_households", "n_firms", "n_banks")
                 if key in world}
    for key, value in [*overrides.items(), ("seed", world.get("seed", 0)),
                       ("agent_id", world.get("agent_id", 0))]:
        if type(value) is not int or value < 0:
            raise field_error(f"world.{key}", "invalid", "A whole number >= 0.")
    households = overrides.get("n_households", Config.build(scenario, {}).n_households)
    if households > settings.LAB_FRESH_MAX_HOUSEHOLDS:
        raise field_error("world.n_households", "max_value", "At most %(max)s households.",
                          max=settings.LAB_FRESH_MAX_HOUSEHOLDS)
    try:
        config = Config.build(scenario, overrides)
    except ConfigError as exc:
        raise field_error(f"world.{exc.field}", "range", "%(rule)s", rule=exc.rule) from exc
    seed = world.get("seed", 0)
    if seed >= 2**63:
        raise field_error("world.seed", "max_value", "Below 2^63.")
    engine_id = world.get("agent_id", 0)
    count = {"household": config.n_households, "firm": config.n_firms,
             "bank": config.n_banks}.get(agent_type, 1)
    if engine_id >= count:
        raise field_error("world.agent_id", "unknown_agent",
                          "This world has %(n)s agents of the script's type.", n=count)
    spec = {"scenario": scenario, **overrides, "seed": seed, "agent_id": engine_id}
    return {"simulation": None, "agent": None, "agent_type": agent_type,
            "agent_engine_id": engine_id, "seed": seed,
            "ticks_per_day": config.ticks_per_day, "start_tick": 0, "archive_last_tick": None,
            "start_hash": "", "world": spec}


def _resolve_arms(user: AbstractBaseUser, version: ScriptVersion, arms: list[ArmRequest],
                  fields: dict[str, Any]) -> list[_ResolvedArm]:
    if not 1 <= len(arms) <= MAX_ARMS:
        raise field_error("arms", "length", "From 1 to %(max)s arms.", max=MAX_ARMS)
    resolved: list[_ResolvedArm] = []
    seen: set[tuple[str, int | None]] = set()
    for index, arm in enumerate(arms):
        name = f"arms.{index}"
        if arm.kind == ArmKind.CANDIDATE:
            one = _ResolvedArm(arm.kind, f"{version.script.name} v{version.number} (candidate)",
                               version)
        elif arm.kind == ArmKind.BASELINE:
            one = _ResolvedArm(arm.kind, "baseline rule", None)
        elif arm.kind == ArmKind.MOUNTED:
            one = _mounted_arm(name, fields)
        elif arm.kind == ArmKind.VERSION:
            other = _other_version(user, version, arm, name)
            one = _ResolvedArm(ArmKind.VERSION if other.pk != version.pk else ArmKind.CANDIDATE,
                               f"{other.script.name} v{other.number}", other)
        else:
            raise field_error(name, "invalid_choice", "Not an arm kind.")
        key = (RUNNER_KIND[one.kind], one.version.pk if one.version else None)
        if key in seen:
            raise field_error(name, "duplicate", "This arm is already in the list.")
        seen.add(key)
        resolved.append(one)
    return resolved


def _mounted_arm(name: str, fields: dict[str, Any]) -> _ResolvedArm:
    if fields["simulation"] is None:
        raise field_error(name, "no_archive", "A fresh world has no script mounted at the time.")
    version_id = selectors.version_at(
        simulation_id=fields["simulation"].pk, agent_id=fields["agent"].pk,
        agent=(fields["agent_type"], fields["agent_engine_id"]),
        tick=fields["start_tick"] + 1)
    version = (ScriptVersion.objects.select_related("script").filter(pk=version_id).first()
               if version_id else None)
    if version is None:
        raise field_error(name, "not_mounted",
                          "No script was mounted on the agent after tick %(tick)s.",
                          tick=fields["start_tick"])
    return _ResolvedArm(ArmKind.MOUNTED, f"{version.script.name} v{version.number} (as "
                                         "archived)", version)


def _other_version(user: AbstractBaseUser, version: ScriptVersion, arm: ArmRequest,
                   name: str) -> ScriptVersion:
    script = version.script
    if arm.script_id is not None and arm.script_id != script.pk:
        script = Script.objects.filter(pk=arm.script_id, owner=user,
                                       archived_at__isnull=True).first()
        if script is None:
            raise field_error(f"{name}.script", "not_found", "No such script of yours.")
        if script.agent_type != version.script.agent_type:
            raise field_error(f"{name}.script", "agent_type_mismatch",
                              "That script is for another agent type.")
    other = ScriptVersion.objects.select_related("script").filter(
        script=script, number=arm.number).first()
    if other is None:
        raise field_error(f"{name}.version", "not_found", "No version %(n)s of that script.",
                          n=arm.number)
    return other


def _retention(user: AbstractBaseUser) -> None:
    """Keep the newest LAB_BACKTESTS_KEPT; older finished ones go (their rows with them)."""
    keep = list(Backtest.objects.filter(owner=user).order_by("-created_at", "-id")
                .values_list("pk", flat=True)[:settings.LAB_BACKTESTS_KEPT])
    Backtest.objects.filter(owner=user).exclude(pk__in=keep).exclude(
        status__in=ACTIVE_STATUSES).delete()


def backtest_dispatch(*, backtest_id: int) -> None:
    """One Celery task per arm: the worker's processes run them in parallel."""
    task = current_app.tasks[ARM_TASK]
    arm_ids = [arm.pk for arm in selectors.arms_of(backtest_id=backtest_id)]
    group(task.s(arm_id) for arm_id in arm_ids).apply_async()


# --- running one arm ------------------------------------------------------------------------

class _LazySandbox:
    """The process's sandbox, started only if the arm calls a script (an archived arm inside
    its archive and a baseline arm never do)."""

    def run_many(self, jobs: list) -> list:
        return sandbox_get().run_many(jobs)


def backtest_inputs(backtest: Backtest) -> Inputs:
    """The runner's inputs, read from the checkpoint and the archive (nothing is written)."""
    agent = backtest.agent_ref
    common = {"agent": agent, "ticks": backtest.ticks, "ticks_per_day": backtest.ticks_per_day,
              "cpu_ms_per_call": max(1, backtest.cpu_ms_per_call),
              "strikes_to_unmount": settings.SCRIPT_STRIKES_TO_UNMOUNT,
              "tenant": str(backtest.owner_id)}
    if backtest.simulation_id is None:
        spec = backtest.world
        overrides = {"model_version": NEW_WORLD_MODEL,
                     **{k: spec[k] for k in ("n_households", "n_firms", "n_banks") if k in spec}}
        world = World.create(spec.get("scenario", Scenario.BASELINE), overrides,
                             seed=spec.get("seed", 0))
        return Inputs(start_world=world.to_bytes(), **common)
    archive = archived_range(simulation_id=backtest.simulation_id,
                             start_tick=backtest.start_tick,
                             ticks=backtest.archive_last_tick - backtest.start_tick)
    records = selectors.agent_records(simulation_id=backtest.simulation_id, agent=agent,
                                      first_tick=backtest.start_tick + 1,
                                      last_tick=backtest.archive_last_tick)
    return Inputs(start_world=archive.start_world, start_hash=backtest.start_hash,
                  decisions=archive.decisions, shocks=archive.shocks, hashes=archive.hashes,
                  archive_last_tick=archive.last_tick, agent_records=records, **common)


def _memory_at(backtest: Backtest, tick: int) -> dict | None:
    if backtest.simulation_id is None:
        return None
    return day_end_memory(simulation_id=backtest.simulation_id, tick=tick,
                          agent=backtest.agent_ref)


def arm_spec(backtest: Backtest, arm: BacktestArm) -> Arm:
    start_memory = _memory_at(backtest, backtest.start_tick) or {}
    if arm.runner_kind == BASELINE:
        return Arm(BASELINE, label=arm.label)
    if arm.runner_kind == SCRIPT:
        return Arm(SCRIPT, label=arm.label, source=arm.version.source if arm.version else "",
                   memory=start_memory, cpu_pool_ms=arm.cpu_pool_ms)
    # Archived: after the archive, the version that decided its last tick, with the memory of
    # that tick when it is a day end (else the memory at the start).
    last = backtest.archive_last_tick
    version = arm.version
    later_id = selectors.version_at(simulation_id=backtest.simulation_id,
                                    agent_id=backtest.agent_id or 0,
                                    agent=backtest.agent_ref, tick=last) if last else None
    if later_id is not None and (version is None or later_id != version.pk):
        version = ScriptVersion.objects.filter(pk=later_id).first() or version
    memory = _memory_at(backtest, last) if last is not None else None
    return Arm(ARCHIVED, label=arm.label, source=version.source if version else "",
               memory=start_memory if memory is None else memory,
               cpu_pool_ms=arm.cpu_pool_ms)


def backtest_arm_run(*, arm_id: int) -> str | None:
    """Run one arm (the Celery task's body). Returns the arm's final status, or None when the
    arm was not queued (a redelivery, a cancelled or failed backtest)."""
    now = timezone.now()
    claimed = BacktestArm.objects.filter(pk=arm_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, heartbeat_at=now)
    if claimed != 1:
        return None
    arm = BacktestArm.objects.select_related("backtest", "version").get(pk=arm_id)
    backtest = arm.backtest
    Backtest.objects.filter(pk=backtest.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now)
    outcome = ArmOutcome()
    try:
        if backtest.cancel_requested:
            outcome.status, outcome.reason, outcome.message = (
                Status.CANCELLED, "cancelled", "Cancelled before it started.")
        else:
            outcome = _run(backtest, arm)
    except (ObjectDoesNotExist, ValidationError) as exc:
        outcome.status, outcome.reason = Status.FAILED, "archive_gone"
        outcome.message = f"The simulation's checkpoint or archive is gone: {exc}"[:2000]
    except Exception as exc:
        outcome.status = Status.FAILED
        if isinstance(exc, SandboxError):
            outcome.reason, outcome.message = "sandbox_unavailable", str(exc)[:2000]
        elif isinstance(exc, SoftTimeLimitExceeded):
            outcome.reason, outcome.message = "time_limit", "The task's time limit was reached."
        else:
            logger.exception("backtest %s arm %s failed", backtest.pk, arm.index)
            outcome.reason, outcome.message = "server_error", "A server error occurred."
        _arm_store(arm, outcome, partial=True)
        backtest_finish_if_done(backtest_id=backtest.pk)
        if outcome.reason == "server_error":
            raise
        return outcome.status
    _arm_store(arm, outcome)
    backtest_finish_if_done(backtest_id=backtest.pk)
    return outcome.status


def _run(backtest: Backtest, arm: BacktestArm) -> ArmOutcome:
    inputs = backtest_inputs(backtest)
    spec = arm_spec(backtest, arm)
    budget = settings.LAB_RESULT_MAX_BYTES // max(1, backtest.arms.count())
    state = {"bytes": 0, "stop": None}

    def on_tick(row: dict) -> None:
        size = row_bytes(row)
        state["bytes"] += size
        with transaction.atomic():  # the row and the count of rows move together
            BacktestTick.objects.create(arm_id=arm.pk, tick=row["tick"], data=row)
            BacktestArm.objects.filter(pk=arm.pk).update(
                ticks_done=F("ticks_done") + 1, heartbeat_at=timezone.now(),
                result_bytes=state["bytes"])
        if state["bytes"] + size > budget:  # the next row would pass the arm's share
            state["stop"] = "result_too_large"

    def cancelled() -> bool | str | None:
        if Backtest.objects.filter(pk=backtest.pk, cancel_requested=True).exists():
            return True
        return state["stop"]

    return run_arm(inputs, spec, sandbox=_LazySandbox(), on_tick=on_tick, cancelled=cancelled)


def _arm_store(arm: BacktestArm, outcome: ArmOutcome, *, partial: bool = False) -> None:
    summary = outcome.summary()
    if partial or not outcome.series:
        last = BacktestTick.objects.filter(arm=arm).order_by("-tick").first()
        if last is not None and "last_tick" not in summary:
            summary.update(last_tick=last.tick,
                           net_worth=last.data["balance_sheet"].get("net_worth"),
                           aggregates=last.data["aggregates"],
                           state_hash=last.data["state_hash"])
    BacktestArm.objects.filter(pk=arm.pk).update(
        status=outcome.status, reason=outcome.reason, message=outcome.message,
        sandbox_calls=outcome.sandbox_calls,
        sandbox_calls_in_archive=outcome.sandbox_calls_in_archive, cpu_ms=outcome.cpu_ms,
        hash_checked=outcome.hash_checked, hash_matches=outcome.hash_matches,
        first_mismatch_tick=outcome.first_mismatch_tick, summary=summary,
        finished_at=timezone.now(), heartbeat_at=timezone.now())


# --- finishing, cancelling, stale arms ------------------------------------------------------

def backtest_finish_if_done(*, backtest_id: int) -> bool:
    """Called by each arm as it ends (and by cancel and the sweep): the last one, under the
    backtest's row lock, sets the outcome, the validity and the summary, and gives back the
    CPU the arms did not use. True when this call finished it."""
    with transaction.atomic():
        backtest = Backtest.objects.select_for_update().filter(pk=backtest_id).first()
        if backtest is None or backtest.status not in ACTIVE_STATUSES:
            return False
        arms = selectors.arms_of(backtest_id=backtest_id)
        if any(arm.status in ACTIVE_STATUSES for arm in arms):
            return False
        failed = [arm for arm in arms if arm.status == Status.FAILED]
        if failed:
            status, reason = Status.FAILED, failed[0].reason
            message = f"Arm {failed[0].index} ({failed[0].label}): {failed[0].message}"
        elif backtest.cancel_requested or any(a.status == Status.CANCELLED for a in arms):
            status, reason, message = Status.CANCELLED, "cancelled", "Cancelled by its owner."
        else:
            status, reason, message = Status.SUCCEEDED, "", ""
        used = math.ceil(sum(arm.cpu_ms for arm in arms))
        refund = max(0, backtest.cpu_reserved_ms - used)
        if not backtest.cpu_settled:
            cpu_bucket_refund(user_id=backtest.owner_id, ms=refund)
        archived = [arm for arm in arms if arm.runner_kind == ARCHIVED and arm.hash_checked]
        valid = (all(arm.hash_matches == arm.hash_checked for arm in archived)
                 if archived else None)
        Backtest.objects.filter(pk=backtest_id).update(
            status=status, reason=reason, message=message[:2000], valid=valid,
            cpu_used_ms=min(used, backtest.cpu_reserved_ms), cpu_settled=True,
            summary=backtest_summary(backtest, arms), finished_at=timezone.now())
    return True


def backtest_summary(backtest: Backtest, arms: list[BacktestArm]) -> dict[str, Any]:
    """Per arm: its totals; the validity of the archived arm; the macro aggregates of every
    arm minus those of the reference arm (the archived arm, else the first) at the last tick
    all arms reached."""
    rows = []
    for arm in arms:
        s = arm.summary or {}
        rows.append({"index": arm.index, "kind": arm.kind, "label": arm.label,
                     "status": arm.status, "reason": arm.reason, "ticks_done": arm.ticks_done,
                     "sandbox_calls": arm.sandbox_calls,
                     "sandbox_calls_in_archive": arm.sandbox_calls_in_archive,
                     "cpu_ms": round(arm.cpu_ms, 3),
                     **{k: s.get(k) for k in ("net_worth_start", "net_worth", "income",
                                              "spending", "consumption", "sales",
                                              "score_total", "outcomes", "last_tick")}})
    archived = next((a for a in arms if a.runner_kind == ARCHIVED), None)
    validity = None if archived is None else {
        "arm": archived.index, "checked": archived.hash_checked,
        "matches": archived.hash_matches, "first_mismatch_tick": archived.first_mismatch_tick,
        "sandbox_calls_in_archive": archived.sandbox_calls_in_archive,
        "valid": bool(archived.hash_checked) and archived.hash_matches == archived.hash_checked}
    return {"arms": rows, "validity": validity,
            "macro_difference": _macro_difference(backtest, arms, archived)}


def _macro_difference(backtest: Backtest, arms: list[BacktestArm],
                      reference: BacktestArm | None) -> dict | None:
    reached = [arm for arm in arms if arm.ticks_done]
    if len(reached) < 2:
        return None
    reference = reference if reference in reached else reached[0]
    tick = min(backtest.start_tick + arm.ticks_done for arm in reached)
    values = dict(BacktestTick.objects.filter(arm__in=reached, tick=tick)
                  .values_list("arm__index", "data__aggregates"))
    base = values.get(reference.index) or {}
    out = {}
    for arm in reached:
        if arm is reference or arm.index not in values:
            continue
        out[str(arm.index)] = {
            key: value - base[key] for key, value in (values[arm.index] or {}).items()
            if isinstance(value, int | float) and not isinstance(value, bool)
            and isinstance(base.get(key), int | float)}
    return {"reference_arm": reference.index, "tick": tick, "arms": out}


def backtest_cancel(*, backtest: Backtest) -> Backtest:
    """Ask the arms to stop: a running arm stops before its next tick and keeps its rows; a
    queued one never starts. A finished backtest is left as it is."""
    if backtest.status in ACTIVE_STATUSES:
        Backtest.objects.filter(pk=backtest.pk).update(cancel_requested=True)
        BacktestArm.objects.filter(backtest=backtest, status=Status.QUEUED).update(
            status=Status.CANCELLED, reason="cancelled", message="Cancelled before it started.",
            finished_at=timezone.now())
        backtest_finish_if_done(backtest_id=backtest.pk)
    backtest.refresh_from_db()
    return backtest


def backtests_fail_stale(*, now: Any = None) -> list[int]:
    """Arms nobody works on: running with no tick done for LAB_BACKTEST_STALE_SECONDS (their
    worker died) or queued for LAB_BACKTEST_QUEUE_SECONDS. Each fails (its rows stay) by a
    conditional update on the heartbeat read, so a live arm's tick wins the race. Returns the
    backtests finished by the sweep."""
    now = now or timezone.now()
    stale = timedelta(seconds=settings.LAB_BACKTEST_STALE_SECONDS)
    queued = timedelta(seconds=settings.LAB_BACKTEST_QUEUE_SECONDS)
    touched = set()
    candidates = list(BacktestArm.objects.filter(
        status=Status.RUNNING, heartbeat_at__lt=now - stale).values_list(
        "pk", "backtest_id", "heartbeat_at", "status"))
    candidates += list(BacktestArm.objects.filter(
        status=Status.QUEUED, created_at__lt=now - queued).values_list(
        "pk", "backtest_id", "heartbeat_at", "status"))
    for pk, backtest_id, heartbeat, status in candidates:
        lost = status == Status.RUNNING
        won = BacktestArm.objects.filter(pk=pk, status=status, heartbeat_at=heartbeat).update(
            status=Status.FAILED, reason="worker_lost" if lost else "not_started",
            message=("Its worker stopped answering; the ticks done are kept." if lost else
                     "No worker started it in time."), finished_at=now)
        if won:
            touched.add(backtest_id)
    return [pk for pk in sorted(touched) if backtest_finish_if_done(backtest_id=pk)]
