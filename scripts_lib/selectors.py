"""Reads of the script library: what a user may see (their own; operators everything)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from scripts_lib.models import Mount, Rotation, Script, ScriptFailure, ScriptVersion


def scripts_visible(*, user: AbstractBaseUser) -> QuerySet[Script]:
    queryset = Script.objects.filter(archived_at__isnull=True).select_related("owner")
    if not user.is_staff:
        queryset = queryset.filter(owner=user)
    return queryset.annotate(version_count=Count("versions"),
                             latest_version=Max("versions__number"),
                             last_version_at=Max("versions__created_at")).order_by("name", "id")


def script_get(*, user: AbstractBaseUser, script_id: int) -> Script:
    """404, not 403, for another user's script: its existence is none of the caller's business."""
    script = scripts_visible(user=user).filter(pk=script_id).first()
    if script is None:
        raise Http404("No such script of yours.")
    return script


def script_versions(*, script: Script) -> QuerySet[ScriptVersion]:
    return script.versions.select_related("script").annotate(
        active_mounts=Count("mounts", filter=Q(mounts__active=True))).order_by("-number")


def script_version_get(*, script: Script, number: int) -> ScriptVersion:
    version = script_versions(script=script).filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


def _mine(user: AbstractBaseUser) -> Q:
    return (Q(agent__owner=user) | Q(mounted_by=user)
            | Q(script_version__script__owner=user))


def mounts_for(*, user: AbstractBaseUser, simulation_id: int,
               active: bool | None = None) -> QuerySet[Mount]:
    queryset = Mount.objects.filter(simulation_id=simulation_id).select_related(
        "agent", "script_version__script", "mounted_by")
    if not user.is_staff:
        queryset = queryset.filter(_mine(user))
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset.order_by("-created_at", "-id")


def rotations_for(*, user: AbstractBaseUser, simulation_id: int) -> QuerySet[Rotation]:
    queryset = Rotation.objects.filter(mount__simulation_id=simulation_id).select_related(
        "mount__agent", "mount__simulation", "old_version__script", "new_version__script")
    if not user.is_staff:
        queryset = queryset.filter(Q(mount__agent__owner=user) | Q(requested_by=user))
    return queryset.order_by("-requested_at", "-id")


def failures_for(*, user: AbstractBaseUser, simulation_id: int | None = None,
                 script_id: int | None = None) -> QuerySet[ScriptFailure]:
    queryset = ScriptFailure.objects.filter(owner=user).select_related(
        "agent", "version__script")
    if not user.is_staff:  # an archived simulation is gone for users, its failures too
        queryset = queryset.filter(simulation__archived_at__isnull=True)
    if simulation_id is not None:
        queryset = queryset.filter(simulation_id=simulation_id)
    if script_id is not None:
        queryset = queryset.filter(version__script_id=script_id)
    return queryset.order_by("-created_at", "-id")
