"""Running a script outside the tick: dry runs (of a saved version, or of unsaved editor text
that creates no version) and the `run_script` command.

They use the same sandbox and the same engine validation as a tick and change nothing in the
world: it comes from the latest checkpoint (or a freshly created sample world) and memory is
not saved. A user's dry runs are limited per minute (`SCRIPT_DRY_RUNS_PER_MINUTE`, a cache
counter) and their CPU is taken from the user's CPU bucket, whose budget also bounds them.
"""

from __future__ import annotations

import functools
import math
import re
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.cpu_bucket import cpu_bucket_charge
from econsim_project.field_errors import field_error
from scripts_lib.models import Mount, Script, ScriptVersion
from scripts_lib.quotas import cpu_budgets, script_limits
from scripts_lib.runtime import sandbox_get
from scripts_lib.sandbox import Sandbox, ScriptJob, ScriptResult, apply_validation
from scripts_lib.services import source_errors
from simulations.engine import World
from simulations.engine.decisions import decision_context
from simulations.engine.jsonplain import plain
from simulations.engine.schema import DecisionContext, validate_decision
from simulations.models import NEW_WORLD_MODEL, Agent, Checkpoint, Scenario

_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class DryRunOutcome:
    ok: bool
    decision: dict | None
    memory: dict | None
    log: str
    cpu_ms: float
    failure_kind: str | None
    message: str
    traceback: str
    line: int | None  # the script's line the failure points at, when known
    validation: dict  # {ok, field, rule}: the engine's verdict on the decision
    observation_source: str  # "agent" (a live world) or "sample"
    agent: str  # "household:3"
    tick: int  # the tick the observation is for
    observation: dict  # what the script saw (memory is handed in beside it)

    def as_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=4)
def _sample_world_bytes(scenario: str) -> bytes:
    # Creation is quick (~25 ms) but observation reads must not see another caller's world
    # object, so the cache holds bytes and every caller gets its own World.
    return World.create(scenario, {"model_version": NEW_WORLD_MODEL}, seed=0).to_bytes()


def sample_world(scenario: str = Scenario.BASELINE) -> World:
    return World.from_bytes(_sample_world_bytes(scenario))


def failure_line(result: ScriptResult) -> int | None:
    """The last line of the user's code named in the traceback or the message."""
    found = _LINE.findall(result.traceback) or _LINE.findall(result.message)
    return int(found[-1]) if found else None


def run_once(*, box: Sandbox, source: str, agent_type: str, observation: dict, memory: dict,
             ctx: DecisionContext, cpu_ms: int, tenant: str) -> tuple[ScriptResult, dict]:
    """One call validated like a tick's decision: (result, {ok, field, rule})."""
    seed = observation.get("rng_seed")
    job = ScriptJob(key=f"dry:{agent_type}", source=source, observation=observation,
                    seed=seed if type(seed) is int else 0, cpu_ms=cpu_ms, memory=memory,
                    tenant=tenant)
    raw = box.run_many([job])[0]
    result = apply_validation(raw, lambda d: validate_decision(agent_type, d, ctx))
    if result.failure_kind == "rejected_decision":
        field, _, rule = result.message.partition(": ")
        validation = {"ok": False, "field": field, "rule": rule}
    elif result.ok:
        validation = {"ok": True, "field": None, "rule": None}
    else:  # the script failed before there was a decision to validate
        validation = {"ok": False, "field": None, "rule": "no_decision"}
    return result, validation


def _live_agent(user: AbstractBaseUser, agent_id: int, agent_type: str) -> tuple[World, Agent]:
    agent = Agent.objects.select_related("simulation").filter(pk=agent_id).first()
    # An archived simulation's agent is gone for its owner: the answer of a missing one.
    if agent is None or not (user.is_staff or (agent.owner_id == user.pk
                                               and agent.simulation.archived_at is None)):
        raise field_error("agent", "not_claimed", f"No agent {agent_id} claimed by you.")
    if agent.agent_type != agent_type:
        raise field_error("agent", "agent_type_mismatch",
                          f"This is a {agent_type} script; the agent is a {agent.agent_type}.")
    checkpoint = (Checkpoint.objects.filter(simulation_id=agent.simulation_id)
                  .order_by("-tick").only("state").first())
    if checkpoint is None:
        raise field_error("agent", "no_world", "The agent's simulation has not been started yet.")
    return World.from_bytes(bytes(checkpoint.state)), agent


class DryRunLimited(Exception):
    """The user started SCRIPT_DRY_RUNS_PER_MINUTE dry runs this minute; `wait` seconds to
    the next minute. Nothing ran and nothing was charged."""

    rule = "too_many_dry_runs"

    def __init__(self, *, limit: int, wait: int) -> None:
        super().__init__(f"At most {limit} dry runs a minute; try again in {wait} s.")
        self.limit, self.wait = limit, wait


def dry_run_admit(*, user_id: int, now: float | None = None) -> None:
    """Count one dry run in the user's current minute (a fixed window in the cache: an atomic
    increment, so parallel requests cannot overshoot); raise DryRunLimited past the limit."""
    now = time.time() if now is None else now
    minute = int(now // 60)
    key = f"scripts:dry_runs:{user_id}:{minute}"
    cache.add(key, 0, timeout=120)
    limit = settings.SCRIPT_DRY_RUNS_PER_MINUTE
    if cache.incr(key) > limit:
        cache.decr(key)  # a refused dry run takes no slot
        raise DryRunLimited(limit=limit, wait=max(1, int((minute + 1) * 60 - now + 0.999)))


def script_version_dry_run(*, version: ScriptVersion, user: AbstractBaseUser,
                           agent_id: int | None = None, memory: dict | None = None,
                           scenario: str = Scenario.BASELINE) -> DryRunOutcome:
    """Run `version` once against the live observation of a claimed agent (its latest
    checkpoint, and the memory of its active mount unless `memory` is given) or, without an
    agent, against agent 0 of a sample world of `scenario`."""
    dry_run_admit(user_id=user.pk)
    return _dry_run(source=version.source, agent_type=version.script.agent_type, user=user,
                    agent_id=agent_id, memory=memory, scenario=scenario)


def script_source_dry_run(*, script: Script, source: str, user: AbstractBaseUser,
                          agent_id: int | None = None, memory: dict | None = None,
                          scenario: str = Scenario.BASELINE) -> DryRunOutcome:
    """Dry-run unsaved text of `script` (no ScriptVersion is created): the upload's source
    checks first (ValidationError on `source` with their rules), then as a version's."""
    dry_run_admit(user_id=user.pk)
    errors = source_errors(source, script_limits(user_id=script.owner_id).max_source_bytes)
    if errors:
        raise ValidationError({"source": errors})
    return _dry_run(source=source, agent_type=script.agent_type, user=user, agent_id=agent_id,
                    memory=memory, scenario=scenario)


def _dry_run(*, source: str, agent_type: str, user: AbstractBaseUser, agent_id: int | None,
             memory: dict | None, scenario: str) -> DryRunOutcome:
    if agent_id is not None:
        world, agent = _live_agent(user, agent_id, agent_type)
        ref, source_kind = agent.ref, "agent"
        if memory is None:
            memory = (Mount.objects.filter(agent=agent, active=True)
                      .values_list("memory", flat=True).first())
    else:
        world, ref, source_kind = sample_world(scenario), (agent_type, 0), "sample"
    observation = world.observations([ref])[ref]
    result, validation = run_once(
        box=sandbox_get(), source=source, agent_type=agent_type,
        observation=observation, memory=memory or {},
        ctx=decision_context(world.ctx, *ref),
        cpu_ms=cpu_budgets(user_ids=[user.pk])[user.pk], tenant=str(user.pk))
    cpu_bucket_charge(user_id=user.pk, used_ms=math.ceil(result.cpu_ms))
    return DryRunOutcome(
        ok=result.ok, decision=result.decision, memory=result.memory, log=result.log,
        cpu_ms=round(result.cpu_ms, 3), failure_kind=result.failure_kind,
        message=result.message, traceback=result.traceback,
        line=None if result.ok else failure_line(result), validation=validation,
        observation_source=source_kind, agent=f"{ref[0]}:{ref[1]}",
        tick=observation["tick"], observation=plain(observation))
