"""The strike rule: SCRIPT_STRIKES_TO_UNMOUNT failures in a row take a script off its agent.

A success resets the count (scripts_record_tick). Until the limit the owner hears of the
failures at most once per mount and day; at the limit they hear of the unmount."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from accounts.models import Notification
from scripts_lib.models import Mount, Rotation
from scripts_lib.tick.failures import Failure
from scripts_lib.tick.run import AgentRef, ref_key


def strike_count(*, mount: Mount, failure: Failure, ref: AgentRef, owner_id: int,
                 simulation_id: int, tick: int, day: int, now: datetime) -> dict | None:
    """Count `failure` against `mount` (changed in memory, saved by the caller) and unmount it at
    the limit. Returns the owner's notification row, or None when they were told today."""
    strikes = settings.SCRIPT_STRIKES_TO_UNMOUNT
    mount.consecutive_failures += 1
    link = reverse("dashboard") + "?tab=failures"  # a page; the API's JSON is for programs
    # The page words the notice in its reader's language from these (web.notification_texts).
    data = {"simulation": simulation_id, "tick": tick, "agent": ref_key(ref),
            "mount": mount.pk, "kind": failure.kind, "message": failure.message,
            "strikes": mount.consecutive_failures, "limit": strikes}
    if mount.consecutive_failures >= strikes:
        mount.active, mount.unmounted_at, mount.unmounted_tick = False, now, tick
        mount.unmounted_why = Mount.Why.STRIKES
        return {"user_id": owner_id, "kind": Notification.Kind.SCRIPT_UNMOUNTED,
                "title": f"Script unmounted from {ref_key(ref)} after {strikes} "
                         f"failures in a row",
                "body": f"Last failure at tick {tick}: {failure.message}", "link": link,
                "data": data}
    if mount.failure_notified_day != day:
        mount.failure_notified_day = day
        return {"user_id": owner_id, "kind": Notification.Kind.SCRIPT_FAILURE,
                "title": f"Your script on {ref_key(ref)} failed ({failure.kind})",
                "body": f"Tick {tick}: {failure.message} (one notice per agent and day; "
                        f"{mount.consecutive_failures} of {strikes} strikes)",
                "link": link, "data": data}
    return None


def strike_rotations_cancel(*, mount_ids: list[int]) -> None:
    """Pending rotations of mounts the strike rule removed have nothing left to rotate."""
    if mount_ids:
        Rotation.objects.filter(mount_id__in=mount_ids, status=Rotation.Status.PENDING).update(
            status=Rotation.Status.CANCELLED, note="the mount was removed by the strike rule")
