"""Recording a tick's script outcomes inside the tick's transaction (contract: the package's
docstring): failures, printed output, mounts' memory and strikes, notices and CPU."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from accounts.cpu_bucket import MAX_USED_MS, cpu_buckets_settle
from accounts.notifications import notifications_create_many
from scripts_lib.models import Mount, ScriptFailure, ScriptTickLog
from scripts_lib.sandbox import ScriptResult
from scripts_lib.tick.atomic import require_transaction
from scripts_lib.tick.failures import failure_of, failure_row, rejections_by_ref
from scripts_lib.tick.logs import log_rooms, log_take
from scripts_lib.tick.mounts_save import mounts_save
from scripts_lib.tick.run import ScriptTickRun
from scripts_lib.tick.strikes import strike_count, strike_rotations_cancel
from simulations.models import Simulation


def scripts_record_tick(*, simulation_id: int, tick: int, run: ScriptTickRun,
                        rejected: list[dict]) -> None:
    require_transaction()
    if not run.calls:
        return
    simulation = Simulation.objects.only("ticks_per_day").get(pk=simulation_id)
    day = max(tick - 1, 0) // simulation.ticks_per_day  # the day tick `tick` belongs to
    now = timezone.now()
    mounts = {m.pk: m for m in Mount.objects.select_for_update().filter(
        pk__in=[call.mount_id for call in run.calls.values()])}
    rejections = rejections_by_ref(rejected)
    owners = sorted({call.owner_id for call in run.calls.values()})
    rooms = log_rooms(owner_ids=owners, now=now)
    failures, logs, notes, changed, unmounted = [], [], [], [], []
    cpu_used: dict[int, float] = defaultdict(float)
    for ref, call in run.calls.items():
        result = run.results[ref]
        cpu_used[call.owner_id] += result.cpu_ms
        output = log_take(result.log, rooms=rooms, owner_id=call.owner_id)
        if output:
            logs.append(ScriptTickLog(mount_id=call.mount_id, simulation_id=simulation_id,
                                      owner_id=call.owner_id, tick=tick, output=output,
                                      size_bytes=len(output.encode())))
        failure = failure_of(ref, run, rejections.get(ref))
        if failure is not None:
            failures.append(failure_row(failure, call=call, simulation_id=simulation_id,
                                        tick=tick))
        mount = mounts.get(call.mount_id)
        if mount is None or not mount.active:
            continue  # unmounted while the scripts ran: the failure stays on record, no strike
        changed.append(mount)
        if failure is None:
            _succeeded(mount, result, decision=run.decisions.get(ref), tick=tick)
            continue
        note = strike_count(mount=mount, failure=failure, ref=ref, owner_id=call.owner_id,
                            simulation_id=simulation_id, tick=tick, day=day, now=now)
        if note is not None:
            notes.append(note)
        if not mount.active:
            unmounted.append(mount.pk)
    mounts_save(changed)
    strike_rotations_cancel(mount_ids=unmounted)
    ScriptFailure.objects.bulk_create(failures, batch_size=500)
    ScriptTickLog.objects.bulk_create(logs, batch_size=500)
    notifications_create_many(rows=notes)
    cpu_buckets_settle(used_ms_by_user={
        owner: min(round(cpu_used[owner]), MAX_USED_MS) for owner in owners})


def _succeeded(mount: Mount, result: ScriptResult, *, decision: dict | None, tick: int) -> None:
    """A success resets the strike count and keeps the call's memory and decision."""
    mount.consecutive_failures = 0
    mount.memory = result.memory or {}
    mount.last_decision = decision or {}
    mount.last_decision_tick = tick
