"""Applying due rotations at a day boundary (contract: the package's docstring)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notifications_create_many
from scripts_lib.models import Mount, Rotation
from scripts_lib.tick.atomic import require_transaction
from simulations.models import Simulation


def rotations_apply(*, simulation_id: int, tick: int) -> list[Rotation]:
    require_transaction()
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
            "data": {"simulation": simulation_id, "rotation": rotation.pk, "mount": new.pk,
                     "script": version.script.name, "number": version.number,
                     "agent": f"{old.agent.agent_type}:{old.agent.engine_id}", "tick": tick}})
    notifications_create_many(rows=notes)
    return applied
