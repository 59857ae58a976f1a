"""The per-tick call path the orchestrator uses: run every mounted script, then record.

The contract (all keyword-only; AgentRef = (agent_type, engine_id) as the engine keys agents):

    scripts_mounted_refs(*, simulation_id) -> list[AgentRef]
        Agents with an active mount, sorted: build observations for exactly these.

    scripts_run_tick(*, simulation_id, tick, world_seed, observations) -> ScriptTickRun
        `tick` is the tick being decided (world.tick + 1 = obs["tick"] = TickResult.tick);
        `observations` is world.observations(refs) (without `memory`: added here from
        Mount.memory). Runs every active mount that has an observation through the process-wide
        sandbox in one run_many: in parallel over its zygotes, the calls of one owner batched in
        one fork (tenant = owner id). Each call's seed is the engine's script seed of
        (world_seed, tick, agent) (= obs["rng_seed"]); its CPU budget is the owner's tick budget
        (fixed override, else the burst bucket) split evenly over the owner's calls.
        Reads the database, writes NOTHING (it runs before the tick's transaction).
        Returns ScriptTickRun: `decisions` (raw decision dicts of the successful calls, memory
        split off, keyed by AgentRef: pass to World.step, which validates them), `results`
        (every ScriptResult), `versions_in_force` ("household:12" -> ScriptVersion.id).
        Raises SandboxUnavailable when isolation cannot be set up (fail closed: no script runs;
        the tick should not proceed as if the scripted agents had chosen the baseline).

    scripts_record_tick(*, simulation_id, tick, run, rejected) -> None
        Call INSIDE the tick's transaction (it refuses to run outside one and never commits):
        `rejected` is TickResult.rejected ({tick, agent: "type:id", field, rule, value}).
        Writes a ScriptFailure per failed call and per engine rejection of a scripted agent,
        Mount.memory of every successful call, a ScriptTickLog per call that printed (within
        the owner's daily log quota), the strike count (SCRIPT_STRIKES_TO_UNMOUNT failures in
        a row unmount the script and notify its owner; a success resets the count), at most one
        failure notification per mount and day, and settles each owner's CPU bucket.

    rotations_apply(*, simulation_id, tick) -> list[Rotation]
        At a day boundary (`tick` = the tick just completed, tick % ticks_per_day == 0), inside
        the tick's transaction: every pending rotation due by that day ends its mount and
        starts the new version on the same agent with the same memory from tick + 1, and
        notifies the script's owner. Any other tick: ValidationError on `tick`, rule
        `not_day_boundary`, nothing changed.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.cpu_bucket import MAX_USED_MS, cpu_buckets_settle
from accounts.models import Notification
from accounts.notifications import notifications_create_many
from scripts_lib.models import FailureKind, Mount, Rotation, ScriptFailure, ScriptTickLog
from scripts_lib.quotas import cpu_budgets, log_bytes_today, script_limits_many
from scripts_lib.runtime import sandbox_get
from scripts_lib.sandbox import ScriptJob, ScriptResult
from simulations.engine.rng import script_seed
from simulations.models import Simulation

AgentRef = tuple[str, int]
EXCERPT_LIST_ITEMS = 20  # lists in a failure's observation excerpt keep this many items


def ref_key(ref: AgentRef) -> str:
    return f"{ref[0]}:{ref[1]}"


@dataclass(frozen=True)
class MountCall:
    """What scripts_record_tick needs to know about one call (no second read of the mounts)."""

    mount_id: int
    agent_id: int  # simulations.Agent pk
    owner_id: int  # the script's owner
    version_id: int
    observation: dict


@dataclass
class ScriptTickRun:
    decisions: dict[AgentRef, dict]
    results: dict[AgentRef, ScriptResult]
    versions_in_force: dict[str, int]
    calls: dict[AgentRef, MountCall] = field(default_factory=dict)
    seconds: float = 0.0


def scripts_mounted_refs(*, simulation_id: int) -> list[AgentRef]:
    rows = Mount.objects.filter(simulation_id=simulation_id, active=True).values_list(
        "agent__agent_type", "agent__engine_id")
    return sorted((agent_type, engine_id) for agent_type, engine_id in rows)


def scripts_run_tick(*, simulation_id: int, tick: int, world_seed: int,
                     observations: dict[AgentRef, dict]) -> ScriptTickRun:
    started = time.perf_counter()
    mounts = list(
        Mount.objects.filter(simulation_id=simulation_id, active=True)
        .select_related("agent", "script_version__script")
        .order_by("agent__agent_type", "agent__engine_id")
    )
    mounts = [m for m in mounts if m.agent.ref in observations]
    run = ScriptTickRun(decisions={}, results={}, versions_in_force={})
    if not mounts:
        run.seconds = time.perf_counter() - started
        return run
    calls_per_owner: dict[int, int] = defaultdict(int)
    for mount in mounts:
        calls_per_owner[mount.script_version.script.owner_id] += 1
    budgets = cpu_budgets(user_ids=list(calls_per_owner))
    jobs = []
    for mount in mounts:
        ref, version = mount.agent.ref, mount.script_version
        owner_id = version.script.owner_id
        obs = observations[ref]
        run.calls[ref] = MountCall(mount.pk, mount.agent_id, owner_id, version.pk, obs)
        run.versions_in_force[ref_key(ref)] = version.pk
        jobs.append(ScriptJob(
            key=ref_key(ref), source=version.source, observation=obs,
            seed=script_seed(world_seed, tick, ref[0], ref[1]),
            cpu_ms=max(1, budgets[owner_id] // calls_per_owner[owner_id]),
            memory=mount.memory or {}, tenant=str(owner_id)))
    for ref, result in zip(run.calls, sandbox_get().run_many(jobs), strict=True):
        run.results[ref] = result
        if result.ok and result.decision is not None:
            run.decisions[ref] = result.decision
    run.seconds = time.perf_counter() - started
    return run


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("scripts_lib.tick writes must run inside the tick's transaction")


def _excerpt(value: object) -> object:
    """The observation as the failure record keeps it: long lists cut short."""
    if isinstance(value, dict):
        return {k: _excerpt(v) for k, v in value.items()}
    if isinstance(value, list):
        kept = [_excerpt(v) for v in value[:EXCERPT_LIST_ITEMS]]
        return kept + ([f"... {len(value) - EXCERPT_LIST_ITEMS} more"]
                       if len(value) > EXCERPT_LIST_ITEMS else [])
    return value


def _rejections(rejected: list[dict]) -> dict[AgentRef, dict]:
    out = {}
    for row in rejected:
        agent_type, _, agent_id = str(row.get("agent", "")).partition(":")
        if agent_id.isdigit():
            out[(agent_type, int(agent_id))] = row
    return out


def _failure_of(ref: AgentRef, run: ScriptTickRun, rejection: dict | None
                ) -> tuple[str, str, str, dict | None] | None:
    """(kind, message, traceback, decision) of a failed call, None when it succeeded."""
    result = run.results[ref]
    if not result.ok:
        return (result.failure_kind or FailureKind.EXCEPTION, result.message, result.traceback,
                result.decision)
    if rejection is not None:
        field_name = rejection.get("field") or "decision"
        message = f"{field_name}: {rejection.get('rule', '')} (sent {rejection.get('value')!r})"
        return FailureKind.REJECTED_DECISION, message[:4000], "", run.decisions.get(ref)
    return None


_LOG_FULL = "\n[daily log quota reached]"


def _clip_log(text: str, room: int) -> str:
    """The output cut to fit the owner's remaining daily log bytes ("" when nothing fits)."""
    data = text.encode()
    if len(data) <= room:
        return text
    if room <= len(_LOG_FULL):
        return ""
    return data[:room - len(_LOG_FULL)].decode(errors="ignore") + _LOG_FULL


def scripts_record_tick(*, simulation_id: int, tick: int, run: ScriptTickRun,
                        rejected: list[dict]) -> None:
    _require_transaction()
    if not run.calls:
        return
    simulation = Simulation.objects.only("ticks_per_day").get(pk=simulation_id)
    day = max(tick - 1, 0) // simulation.ticks_per_day  # the day tick `tick` belongs to
    strikes = settings.SCRIPT_STRIKES_TO_UNMOUNT
    now = timezone.now()
    mounts = {m.pk: m for m in Mount.objects.select_for_update().filter(
        pk__in=[call.mount_id for call in run.calls.values()])}
    rejections = _rejections(rejected)
    owners = sorted({call.owner_id for call in run.calls.values()})
    log_room = {owner: limits.log_bytes_per_day for owner, limits in
                script_limits_many(user_ids=owners).items()}
    for owner, used in log_bytes_today(user_ids=owners, now=now).items():
        log_room[owner] -= used
    failures, logs, notes, changed, unmounted = [], [], [], [], []
    cpu_used: dict[int, float] = defaultdict(float)
    for ref, call in run.calls.items():
        result = run.results[ref]
        cpu_used[call.owner_id] += result.cpu_ms
        output = _clip_log(result.log, log_room[call.owner_id]) if result.log else ""
        if output:
            size = len(output.encode())
            log_room[call.owner_id] -= size
            logs.append(ScriptTickLog(mount_id=call.mount_id, simulation_id=simulation_id,
                                      owner_id=call.owner_id, tick=tick, output=output,
                                      size_bytes=size))
        failure = _failure_of(ref, run, rejections.get(ref))
        if failure is not None:
            kind, message, trace, decision = failure
            failures.append(ScriptFailure(
                simulation_id=simulation_id, tick=tick, agent_id=call.agent_id,
                mount_id=call.mount_id, version_id=call.version_id, owner_id=call.owner_id,
                kind=kind, message=message, traceback=trace, decision=decision,
                observation_excerpt=_excerpt(call.observation)))
        mount = mounts.get(call.mount_id)
        if mount is None or not mount.active:
            continue  # unmounted while the scripts ran: the failure stays on record, no strike
        changed.append(mount)
        if failure is None:
            mount.consecutive_failures = 0
            mount.memory = result.memory or {}
            mount.last_decision = run.decisions.get(ref) or {}
            mount.last_decision_tick = tick
            continue
        mount.consecutive_failures += 1
        link = f"/api/me/failures/?simulation={simulation_id}"
        data = {"simulation": simulation_id, "tick": tick, "agent": ref_key(ref),
                "mount": mount.pk, "kind": failure[0]}
        if mount.consecutive_failures >= strikes:
            mount.active, mount.unmounted_at, mount.unmounted_tick = False, now, tick
            mount.unmounted_why = Mount.Why.STRIKES
            unmounted.append(mount.pk)
            notes.append({"user_id": call.owner_id, "kind": Notification.Kind.SCRIPT_UNMOUNTED,
                          "title": f"Script unmounted from {ref_key(ref)} after {strikes} "
                                   f"failures in a row",
                          "body": f"Last failure at tick {tick}: {failure[1]}", "link": link,
                          "data": data})
        elif mount.failure_notified_day != day:
            mount.failure_notified_day = day
            notes.append({"user_id": call.owner_id, "kind": Notification.Kind.SCRIPT_FAILURE,
                          "title": f"Your script on {ref_key(ref)} failed ({failure[0]})",
                          "body": f"Tick {tick}: {failure[1]} (one notice per agent and day; "
                                  f"{mount.consecutive_failures} of {strikes} strikes)",
                          "link": link, "data": data})
    _mounts_save(changed)
    if unmounted:
        Rotation.objects.filter(mount_id__in=unmounted, status=Rotation.Status.PENDING).update(
            status=Rotation.Status.CANCELLED, note="the mount was removed by the strike rule")
    ScriptFailure.objects.bulk_create(failures, batch_size=500)
    ScriptTickLog.objects.bulk_create(logs, batch_size=500)
    notifications_create_many(rows=notes)
    cpu_buckets_settle(used_ms_by_user={
        owner: min(round(cpu_used[owner]), MAX_USED_MS) for owner in owners})


def _mounts_save(mounts: list[Mount]) -> None:
    """Write back the tick's mount changes. Successful calls (nearly all) change only memory
    and the last decision and reset the strike count: on PostgreSQL one UPDATE ... FROM
    (VALUES ...) per thousand, because bulk_update's CASE per row and field costs seconds for
    a thousand mounts."""
    ok = [m for m in mounts if m.consecutive_failures == 0]
    failed = [m for m in mounts if m.consecutive_failures]
    if connection.vendor == "postgresql":
        table = Mount._meta.db_table
        with connection.cursor() as cursor:
            for start in range(0, len(ok), 1000):
                chunk = ok[start:start + 1000]
                rows = ", ".join(["(%s, %s::jsonb, %s::jsonb, %s::bigint)"] * len(chunk))
                params = [x for m in chunk for x in (m.pk, json.dumps(m.memory),
                                                     json.dumps(m.last_decision),
                                                     m.last_decision_tick)]
                cursor.execute(f"UPDATE {table} AS m SET memory = v.memory, "
                               f"last_decision = v.decision, last_decision_tick = v.tick, "
                               f"consecutive_failures = 0 "
                               f"FROM (VALUES {rows}) AS v(id, memory, decision, tick) "
                               f"WHERE m.id = v.id", params)
    else:
        failed = mounts
    Mount.objects.bulk_update(failed, ["memory", "last_decision", "last_decision_tick",
                                       "consecutive_failures", "active",
                                       "unmounted_at", "unmounted_tick", "unmounted_why",
                                       "failure_notified_day"], batch_size=200)


def rotations_apply(*, simulation_id: int, tick: int) -> list[Rotation]:
    _require_transaction()
    simulation = Simulation.objects.only("ticks_per_day").get(pk=simulation_id)
    if type(tick) is not int or tick < 0 or tick % simulation.ticks_per_day:
        raise ValidationError({"tick": ValidationError(
            "Rotations apply only at a day boundary: tick %(tick)s is not a multiple of "
            "%(per_day)s ticks per day.", code="not_day_boundary",
            params={"tick": tick, "per_day": simulation.ticks_per_day})})
    day = tick // simulation.ticks_per_day
    due = list(
        Rotation.objects.select_for_update(of=("self",))
        .filter(mount__simulation_id=simulation_id, status=Rotation.Status.PENDING,
                apply_at_day__lte=day)
        .select_related("mount__agent", "new_version__script")
        .order_by("id")
    )
    now = timezone.now()
    applied, notes = [], []
    for rotation in due:
        old = rotation.mount
        if not old.active:
            rotation.status, rotation.note = Rotation.Status.CANCELLED, "the mount had ended"
            rotation.save(update_fields=["status", "note"])
            continue
        old.active, old.unmounted_at, old.unmounted_tick = False, now, tick
        old.unmounted_why = Mount.Why.ROTATED
        old.save(update_fields=["active", "unmounted_at", "unmounted_tick", "unmounted_why"])
        new = Mount.objects.create(
            simulation_id=simulation_id, agent=old.agent, script_version=rotation.new_version,
            mounted_by_id=rotation.requested_by_id, since_tick=tick + 1, memory=old.memory)
        rotation.status, rotation.applied_at, rotation.applied_tick = (
            Rotation.Status.APPLIED, now, tick)
        rotation.new_mount = new
        rotation.save(update_fields=["status", "applied_at", "applied_tick", "new_mount"])
        applied.append(rotation)
        version = rotation.new_version
        notes.append({
            "user_id": version.script.owner_id, "kind": Notification.Kind.ROTATION_APPLIED,
            "title": f"{version.script.name} v{version.number} now drives {old.agent}",
            "body": f"Rotation applied at the end of tick {tick}; memory kept.",
            "link": f"/api/simulations/{simulation_id}/mounts/",
            "data": {"simulation": simulation_id, "rotation": rotation.pk, "mount": new.pk}})
    notifications_create_many(rows=notes)
    return applied
