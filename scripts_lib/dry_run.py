"""Running a script outside the tick: the API's dry run and the `run_script` command.

Both use the same sandbox and the same engine validation as a tick, and change nothing: the
world comes from the latest checkpoint (or a freshly created sample world), memory is not
saved, the CPU bucket is not charged.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass

from django.contrib.auth.models import AbstractBaseUser

from econsim_project.field_errors import field_error
from scripts_lib.models import Mount, ScriptVersion
from scripts_lib.quotas import cpu_budgets
from scripts_lib.runtime import sandbox_get
from scripts_lib.sandbox import Sandbox, ScriptJob, ScriptResult, apply_validation
from simulations.engine import World
from simulations.engine.decisions import decision_context
from simulations.engine.schema import DecisionContext, validate_decision
from simulations.models import Agent, Checkpoint, Scenario

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

    def as_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=4)
def _sample_world_bytes(scenario: str) -> bytes:
    # Creation is quick (~25 ms) but observation reads must not see another caller's world
    # object, so the cache holds bytes and every caller gets its own World.
    return World.create(scenario, seed=0).to_bytes()


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


def script_version_dry_run(*, version: ScriptVersion, user: AbstractBaseUser,
                           agent_id: int | None = None, memory: dict | None = None,
                           scenario: str = Scenario.BASELINE) -> DryRunOutcome:
    """Run `version` once against the live observation of a claimed agent (its latest
    checkpoint, and the memory of its active mount unless `memory` is given) or, without an
    agent, against agent 0 of a sample world of `scenario`."""
    agent_type = version.script.agent_type
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
        box=sandbox_get(), source=version.source, agent_type=agent_type,
        observation=observation, memory=memory or {},
        ctx=decision_context(world.ctx, *ref),
        cpu_ms=cpu_budgets(user_ids=[user.pk])[user.pk], tenant=str(user.pk))
    return DryRunOutcome(
        ok=result.ok, decision=result.decision, memory=result.memory, log=result.log,
        cpu_ms=round(result.cpu_ms, 3), failure_kind=result.failure_kind,
        message=result.message, traceback=result.traceback,
        line=None if result.ok else failure_line(result), validation=validation,
        observation_source=source_kind, agent=f"{ref[0]}:{ref[1]}",
        tick=observation["tick"])
