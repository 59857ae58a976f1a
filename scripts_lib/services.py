"""Writes to the script library, mounts and rotations: keyword-only, one transaction each.

Errors are `field_error(field, rule, message, **params)` (econsim_project.field_errors), whose
one translator turns them into the API's JSON and the forms' messages.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from econsim_project.field_errors import field_error
from scripts_lib.models import Mount, Rotation, Script, ScriptTickLog, ScriptVersion
from scripts_lib.quotas import script_limits, versions_created_today
from scripts_lib.sandbox import check_source
from scripts_lib.sandbox.runner import ALLOWED_MODULES
from simulations.models import Agent, AgentType, Simulation


def _lock_user(user: AbstractBaseUser) -> None:
    """Serialise one user's quota-counted writes (two uploads racing past the limit)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()


def _may_use(user: AbstractBaseUser, script: Script) -> bool:
    return user.is_staff or script.owner_id == user.pk


@transaction.atomic
def script_create(*, owner: AbstractBaseUser, name: str, agent_type: str,
                  description: str = "") -> Script:
    if agent_type not in AgentType.values:
        raise field_error("agent_type", "invalid_choice",
                          f"One of {', '.join(AgentType.values)}.")
    name = name.strip()
    if not name:
        raise field_error("name", "blank", "A script needs a name.")
    _lock_user(owner)
    limit = script_limits(user_id=owner.pk).max_scripts
    if Script.objects.filter(owner=owner, archived_at__isnull=True).count() >= limit:
        raise field_error("quota", "max_scripts",
                          f"You have reached your limit of {limit} scripts; delete one first.")
    if Script.objects.filter(owner=owner, name=name, archived_at__isnull=True).exists():
        raise field_error("name", "unique", f"You already have a script named {name!r}.")
    return Script.objects.create(owner=owner, name=name, agent_type=agent_type,
                                 description=description)


@transaction.atomic
def script_update(*, script: Script, name: str | None = None,
                  description: str | None = None, hide_name: bool | None = None) -> Script:
    fields = []
    if name is not None:
        name = name.strip()
        if not name:
            raise field_error("name", "blank", "A script needs a name.")
        _lock_user(script.owner)  # two renames (or a create) racing to one name
        clash = Script.objects.filter(owner_id=script.owner_id, name=name,
                                      archived_at__isnull=True).exclude(pk=script.pk)
        if clash.exists():
            raise field_error("name", "unique", f"You already have a script named {name!r}.")
        script.name = name
        fields.append("name")
    if description is not None:
        script.description = description
        fields.append("description")
    if hide_name is not None:
        script.hide_name = bool(hide_name)
        fields.append("hide_name")
    if fields:
        script.save(update_fields=[*fields, "updated_at"])
    return script


def version_in_use(version: ScriptVersion) -> str | None:
    """Why a version may not be deleted: 'mounted' (drives an agent now) or 'archived' (has
    driven one: the record of past ticks points at it); None when it never ran."""
    if version.mounts.filter(active=True).exists():
        return "mounted"
    if version.mounts.exists() or version.rotations.exists() or version.failures.exists():
        return "archived"
    return None


@transaction.atomic
def script_delete(*, script: Script) -> str:
    """'deleted', or 'archived' when a version has run (kept for the record, hidden from the
    owner's list). Refused while a version is mounted or due to replace a mounted one."""
    script = Script.objects.select_for_update().get(pk=script.pk)
    if Mount.objects.filter(script_version__script=script, active=True).exists():
        raise field_error("script", "mounted", "A version of this script is mounted on an agent; "
                                           "unmount it first.")
    if Rotation.objects.filter(new_version__script=script,
                               status=Rotation.Status.PENDING).exists():
        raise field_error("script", "rotation_pending",
                          "A version of this script is due to replace a mounted script at the "
                          "end of the day; unmount that agent's script first.")
    used = Mount.objects.filter(script_version__script=script).exists() or \
        Rotation.objects.filter(new_version__script=script).exists()
    if used:
        script.archived_at = timezone.now()
        script.save(update_fields=["archived_at", "updated_at"])
        return "archived"
    script.delete()
    return "deleted"


def source_errors(source: str, max_bytes: int) -> list[ValidationError]:
    """Upload-time checks as errors of the field `source`, each with its rule and its line (if
    any) in the message and in the `line` param."""
    size = len(source.encode())
    if size > max_bytes:
        return [ValidationError("The source is %(size)s bytes; at most %(limit)s allowed.",
                                code="too_large", params={"size": size, "limit": max_bytes,
                                                          "line": None})]
    return [ValidationError("line %(line)s: %(problem)s" if problem.line is not None
                            else "%(problem)s", code=problem.rule,
                            params={"line": problem.line, "problem": problem.message})
            for problem in check_source(source, max_bytes=max_bytes)]


@transaction.atomic
def script_version_create(*, script: Script, source: str,
                          user: AbstractBaseUser) -> ScriptVersion:
    script = Script.objects.select_for_update().get(pk=script.pk)
    if script.archived_at is not None:
        raise field_error("script", "archived", "This script is archived.")
    _lock_user(user)
    limits = script_limits(user_id=script.owner_id)
    errors = source_errors(source, limits.max_source_bytes)
    if errors:
        raise ValidationError({"source": errors})
    now = timezone.now()
    used = versions_created_today(user_ids=[user.pk], now=now).get(user.pk, 0)
    if used >= script_limits(user_id=user.pk).versions_per_day:
        raise field_error("quota", "versions_per_day",
                          f"You have uploaded {used} versions today, your daily limit; "
                          "try again tomorrow (UTC).")
    latest = script.versions.order_by("-number").values_list("number", flat=True).first()
    data = source.encode()
    return ScriptVersion.objects.create(
        script=script, number=(latest or 0) + 1, source=source,
        sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), created_by=user,
        checks_passed=True,
        check_report={"problems": [], "size_bytes": len(data),
                      "limit_bytes": limits.max_source_bytes,
                      "allowed_modules": list(ALLOWED_MODULES), "checked_at": now.isoformat()})


@transaction.atomic
def script_version_delete(*, version: ScriptVersion) -> None:
    why = version_in_use(version)
    if why is not None:
        raise field_error("version", why, f"Version {version.number} is {why}; it is part of the "
                                      "record and cannot be deleted.")
    version.delete()


def _version_for(user: AbstractBaseUser, version_id: int, field: str = "script_version"
                 ) -> ScriptVersion:
    version = (ScriptVersion.objects.select_related("script")
               .filter(pk=version_id).first())
    if version is None or not _may_use(user, version.script):
        raise field_error(field, "does_not_exist", f"No script version {version_id} of yours.")
    if version.script.archived_at is not None:
        raise field_error(field, "archived", "The script of this version is archived.")
    return version


def _open_simulation(simulation_id: int, user: AbstractBaseUser) -> Simulation:
    simulation = Simulation.objects.select_for_update().filter(pk=simulation_id).first()
    if simulation is None or (simulation.archived_at is not None and not user.is_staff):
        # To users an archived simulation is gone: the same answer as a missing one.
        raise field_error("simulation", "does_not_exist", f"No simulation {simulation_id}.")
    if simulation.archived_at is not None or simulation.status == Simulation.Status.FINISHED:
        raise field_error("simulation", "closed", "This simulation is archived or finished.")
    return simulation


@transaction.atomic
def mount_create(*, simulation_id: int, agent_id: int, version_id: int,
                 user: AbstractBaseUser) -> Mount:
    """The agent must be claimed by `user` (or `user` is an operator) and of the script's
    agent type; an agent has at most one active mount. The version decides from the next
    tick on."""
    simulation = _open_simulation(simulation_id, user)
    agent = Agent.objects.filter(pk=agent_id, simulation_id=simulation_id).first()
    if agent is None:
        raise field_error("agent", "does_not_exist", f"No agent {agent_id} in this simulation.")
    if agent.owner_id != user.pk and not user.is_staff:
        raise field_error("agent", "not_claimed", "You can mount scripts only on agents you "
                                              "have claimed.")
    version = _version_for(user, version_id)
    if version.script.agent_type != agent.agent_type:
        raise field_error("script_version", "agent_type_mismatch",
                          f"This is a {version.script.agent_type} script; the agent is a "
                          f"{agent.agent_type}.")
    if Mount.objects.filter(agent=agent, active=True).exists():
        raise field_error("agent", "already_mounted", "A script is already mounted on this agent; "
                                                  "unmount it or schedule a rotation.")
    try:
        with transaction.atomic():
            return Mount.objects.create(simulation=simulation, agent=agent,
                                        script_version=version, mounted_by=user,
                                        since_tick=simulation.tick + 1)
    except IntegrityError:  # a concurrent mount won the race for this agent
        raise field_error("agent", "already_mounted", "A script is already mounted on this "
                                                  "agent.") from None


def _mount_for(user: AbstractBaseUser, simulation_id: int, mount_id: int) -> Mount:
    mount = (Mount.objects.select_for_update(of=("self",)).select_related("agent", "simulation")
             .filter(pk=mount_id, simulation_id=simulation_id).first())
    if mount is None or not (user.is_staff or (
            mount.simulation.archived_at is None
            and user.pk in (mount.agent.owner_id, mount.mounted_by_id))):
        raise field_error("mount", "does_not_exist", f"No mount {mount_id} of yours here.")
    if not mount.active:
        raise field_error("mount", "inactive", "This mount has already ended.")
    return mount


@transaction.atomic
def mount_delete(*, simulation_id: int, mount_id: int, user: AbstractBaseUser) -> Mount:
    """End a mount now: from the next tick the agent follows its baseline rule."""
    mount = _mount_for(user, simulation_id, mount_id)
    mount.active, mount.unmounted_at = False, timezone.now()
    mount.unmounted_tick, mount.unmounted_why = mount.simulation.tick, Mount.Why.USER
    mount.save(update_fields=["active", "unmounted_at", "unmounted_tick", "unmounted_why"])
    Rotation.objects.filter(mount=mount, status=Rotation.Status.PENDING).update(
        status=Rotation.Status.CANCELLED, note="the mount was removed")
    return mount


def mounts_end(*, agent_ids: list[int], why: str, note: str) -> int:
    """End the active mounts of these agents now (reason `why`) and cancel their pending
    rotations; the caller holds the transaction. Returns the mounts ended."""
    mounts = list(Mount.objects.select_for_update(of=("self",)).select_related("simulation")
                  .filter(agent_id__in=agent_ids, active=True))
    now = timezone.now()
    for mount in mounts:
        mount.active, mount.unmounted_at = False, now
        mount.unmounted_tick, mount.unmounted_why = mount.simulation.tick, why
        mount.save(update_fields=["active", "unmounted_at", "unmounted_tick", "unmounted_why"])
    Rotation.objects.filter(mount__in=mounts, status=Rotation.Status.PENDING).update(
        status=Rotation.Status.CANCELLED, note=note)
    return len(mounts)


@transaction.atomic
def rotation_schedule(*, simulation_id: int, mount_id: int, version_id: int,
                      user: AbstractBaseUser) -> Rotation:
    """Replace the mount's version at the next day boundary (same agent, same memory). A
    pending rotation of the mount is superseded."""
    mount = _mount_for(user, simulation_id, mount_id)
    if mount.simulation.archived_at is not None \
            or mount.simulation.status == Simulation.Status.FINISHED:
        raise field_error("simulation", "closed", "This simulation is archived or finished.")
    version = _version_for(user, version_id)
    if version.script.agent_type != mount.agent.agent_type:
        raise field_error("script_version", "agent_type_mismatch",
                          f"This is a {version.script.agent_type} script; the agent is a "
                          f"{mount.agent.agent_type}.")
    if version.pk == mount.script_version_id:
        raise field_error("script_version", "already_mounted", "This version already drives the "
                                                           "agent.")
    simulation = mount.simulation
    Rotation.objects.filter(mount=mount, status=Rotation.Status.PENDING).update(
        status=Rotation.Status.CANCELLED, note="superseded by a newer rotation")
    return Rotation.objects.create(
        mount=mount, old_version_id=mount.script_version_id, new_version=version,
        requested_by=user, apply_at_day=simulation.tick // simulation.ticks_per_day + 1)


@transaction.atomic
def mounts_remount(*, mount_ids: list[int], version: ScriptVersion, user: AbstractBaseUser,
                   keep_memory: bool = True) -> tuple[int, int]:
    """The operator's bulk remount: every active mount among `mount_ids` ends now and `version`
    takes its agent from the next tick. Mounts of another agent type are skipped.
    Returns (remounted, skipped)."""
    mounts = list(Mount.objects.select_for_update(of=("self",))
                  .select_related("agent", "simulation").filter(pk__in=mount_ids, active=True))
    now = timezone.now()
    done = 0
    for mount in mounts:
        if mount.agent.agent_type != version.script.agent_type \
                or mount.script_version_id == version.pk:
            continue
        mount.active, mount.unmounted_at = False, now
        mount.unmounted_tick, mount.unmounted_why = mount.simulation.tick, Mount.Why.REMOUNTED
        mount.save(update_fields=["active", "unmounted_at", "unmounted_tick", "unmounted_why"])
        Rotation.objects.filter(mount=mount, status=Rotation.Status.PENDING).update(
            status=Rotation.Status.CANCELLED, note="superseded by an operator's remount")
        Mount.objects.create(simulation=mount.simulation, agent=mount.agent,
                             script_version=version, mounted_by=user,
                             since_tick=mount.simulation.tick + 1,
                             memory=mount.memory if keep_memory else {})
        done += 1
    return done, len(mount_ids) - done


def script_tick_logs_prune(*, older_than_days: int, batch: int = 10_000) -> int:
    """Delete scripts' printed output older than `older_than_days`, in batches so that no
    single transaction holds a day of a big simulation's rows. Failures are kept."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        ids = list(ScriptTickLog.objects.filter(created_at__lt=cutoff)
                   .values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += ScriptTickLog.objects.filter(pk__in=ids).delete()[0]
