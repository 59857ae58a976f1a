"""The backtest runner: one arm of a backtest on a private copy of a world, no database.

The Celery task (`lab.tasks`), the `backtest` management command and `bench/backtest.py` all
call `run_arm` (the command and the bench through `run_backtest`); what differs between them
is only where the inputs come from and where the rows go. This module imports the engine and
the sandbox's job types only: it reads no table, writes none, never sees the live world's
cache, and is handed the sandbox (anything with `run_many(jobs) -> results`).

Inputs (`Inputs`): the start world's bytes (a day-end checkpoint, or a fresh world's), the
user's agent, the number of ticks and what the archive holds for the ticks after the start:
the accepted decisions of every scripted agent by tick (the user's agent included), the shocks
by the tick they took effect from, the archived state hashes, and the user's agent's own
archived records (what its script did, shown on the "archived" arm). A fresh world has an
empty archive. Every arm starts from the same bytes, so every arm draws the same random
numbers (the engine draws from (seed, tick, phase, stream); a script's `rng_seed` is
`script_seed(world seed, tick, type, id)`): arms differ only by the user's strategy.

Arm kinds (`Arm.kind`):
- `script`: the user's agent runs `Arm.source` in the sandbox every tick, starting from
  `Arm.memory`; memory then follows the live rules (a success keeps the call's memory, a
  failure or a rejected decision keeps the previous one; after `strikes_to_unmount` failures
  in a row the script is unmounted and the agent follows its baseline rule).
- `archived`: the version mounted at the time, replayed from its archived decisions while the
  archive lasts (no sandbox call: `sandbox_calls` stays 0 there), then run in the sandbox
  from `Arm.memory` (the mount's memory at the archive's last day end). While the archive
  lasts every tick's state hash is compared with the archived one: the proof that the
  counterfactual machinery reproduces the live world.
- `baseline`: the user's agent sends no decision (the engine's baseline rule).
Every other scripted agent replays its archived accepted decisions while the archive lasts
and follows its baseline rule after.

CPU: each sandbox call gets `min(cpu_ms_per_call, what is left of cpu_pool_ms)`; when the pool
is spent the script is not called any more (outcome `skipped`, rule `cpu_exhausted`).
`cpu_pool_ms=None` means no pool (the local command).

Per-tick series: `run_arm` hands one row per tick to `on_tick` and keeps them in
`ArmOutcome.series` (unless `keep_series=False`). A row (JSON-ready, money in integer cents):

    {
      "tick": 25,                    # the tick just stepped (start tick + 1 ...)
      "day": 7,                      # the day it belongs to ((tick - 1) // ticks_per_day + 1)
      "state_hash": "9f...",         # the arm's world after the tick
      "archived_hash": "9f..."|null, # archived arm, while the archive lasts; else null
      "hash_match": true|null,       # state_hash == archived_hash (archived arm), else null
      "balance_sheet": {...},        # World.balance_sheet(agent) after the tick
      "flows": {"in": {kind: cents}, "out": {kind: cents}},  # the agent's postings this tick
      "income": cents,               # money flows in that raise its net worth (wages,
                                     # dividends, sales, interest, benefits ...)
      "spending": cents,             # money flows out that lower it (purchases, taxes, ...)
      "consumption": cents|null,     # households: CONSUMPTION paid; else null
      "sales": cents|null,           # firms: CONSUMPTION + GOV_PURCHASE received; else null
      "score": null,                 # reserved: simulations.engine.scores fills it when wired
      "script": {
        "source": "sandbox"|"archive"|"none",  # who decided for the agent
        "outcome": "accepted"|"rejected"|"failed"|"empty"|"skipped"|"none",
        "decision": {...}|null,      # as the script returned it (memory split off)
        "field": "", "rule": "",     # rejected: the engine's field and rule; failed: rule =
                                     # the sandbox's failure kind; skipped: rule =
                                     # cpu_exhausted or unmounted
        "message": "",               # failure message (the user's own traceback lines)
        "log": "",                   # what the script printed (at most LOG_MAX_CHARS)
        "cpu_ms": 1.23               # CPU the call was charged (archive: as archived)
      },
      "aggregates": {...}            # TickResult.aggregates (the macro figures)
    }
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from scripts_lib.sandbox import ScriptJob, ScriptResult
from simulations.engine import EngineError, World
from simulations.engine.jsonplain import plain
from simulations.engine.ledger import ACCT_SECTOR, Acct, TransactionKind

AgentRef = tuple[str, int]

SCRIPT, ARCHIVED, BASELINE = "script", "archived", "baseline"
ARM_KINDS = (SCRIPT, ARCHIVED, BASELINE)
LOG_MAX_CHARS = 2000
MESSAGE_MAX_CHARS = 2000

# Arm statuses at the end of run_arm
SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"

_KINDS = {kind.name: kind.value for kind in TransactionKind}
_SALES_KINDS = ("CONSUMPTION", "GOV_PURCHASE")


class SandboxLike(Protocol):
    def run_many(self, jobs: list[ScriptJob]) -> list[ScriptResult]: ...


@dataclass(frozen=True)
class Arm:
    kind: str  # SCRIPT, ARCHIVED or BASELINE
    label: str = ""
    source: str = ""  # SCRIPT; ARCHIVED: the version run after the archive ("": baseline then)
    memory: dict | None = None  # SCRIPT: at the start; ARCHIVED: at the archive's end
    cpu_pool_ms: int | None = None  # CPU this arm's calls may use in all; None: no pool

    def __post_init__(self) -> None:
        if self.kind not in ARM_KINDS:
            raise ValueError(f"arm kind {self.kind!r} is not one of {ARM_KINDS}")


@dataclass(frozen=True)
class Inputs:
    start_world: bytes
    agent: AgentRef
    ticks: int
    ticks_per_day: int
    start_hash: str = ""  # checked when given: a changed checkpoint fails the arm
    decisions: dict[int, dict[AgentRef, dict]] = field(default_factory=dict)
    shocks: dict[int, list[dict]] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)
    archive_last_tick: int | None = None  # None: no archive (a fresh world)
    agent_records: dict[int, dict] = field(default_factory=dict)  # tick -> archived record
    cpu_ms_per_call: int = 50
    strikes_to_unmount: int | None = None
    tenant: str = ""


@dataclass
class ArmOutcome:
    status: str = SUCCEEDED
    reason: str = ""  # rule: cancelled, engine_error, sandbox_error, checkpoint_changed, ...
    message: str = ""
    ticks_done: int = 0
    sandbox_calls: int = 0
    sandbox_calls_in_archive: int = 0  # archived arm: must stay 0
    cpu_ms: float = 0.0
    hash_checked: int = 0
    hash_matches: int = 0
    first_mismatch_tick: int | None = None
    start_balance_sheet: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)  # script outcome -> ticks
    seconds: float = 0.0
    series: list[dict] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        last = self.series[-1] if self.series else None
        return {
            "status": self.status, "reason": self.reason, "message": self.message,
            "ticks_done": self.ticks_done, "sandbox_calls": self.sandbox_calls,
            "sandbox_calls_in_archive": self.sandbox_calls_in_archive,
            "cpu_ms": round(self.cpu_ms, 3), "hash_checked": self.hash_checked,
            "hash_matches": self.hash_matches, "first_mismatch_tick": self.first_mismatch_tick,
            "outcomes": dict(self.outcomes), "seconds": round(self.seconds, 3),
            "net_worth_start": self.start_balance_sheet.get("net_worth"),
            **(series_summary(self.series) if last else {}),
        }


def series_summary(series: list[dict]) -> dict[str, Any]:
    """Totals of an arm's series: what a summary table shows."""
    last = series[-1]
    return {
        "last_tick": last["tick"], "net_worth": last["balance_sheet"].get("net_worth"),
        "income": sum(r["income"] for r in series),
        "spending": sum(r["spending"] for r in series),
        "consumption": _sum_or_none(r["consumption"] for r in series),
        "sales": _sum_or_none(r["sales"] for r in series),
        "aggregates": last["aggregates"],
        "state_hash": last["state_hash"],
    }


def _sum_or_none(values: Iterable[int | None]) -> int | None:
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def agent_flows(postings: list[dict], agent: AgentRef) -> dict[str, dict[str, int]]:
    """The agent's postings of one tick, summed by kind: {"in": {...}, "out": {...}}."""
    agent_type, agent_id = agent
    flows: dict[str, dict[str, int]] = {"in": {}, "out": {}}
    for batch in postings:
        for side, account, ids in (("out", batch["src_account"], batch["src"]),
                                   ("in", batch["dst_account"], batch["dst"])):
            if ACCT_SECTOR[Acct(account)] != agent_type:
                continue
            ids = np.asarray(ids)
            if ids.size == 0:
                continue
            total = int(np.asarray(batch["amount"], dtype=np.int64)[ids == agent_id].sum())
            if total:
                kinds = flows[side]
                kinds[batch["kind"]] = kinds.get(batch["kind"], 0) + total
    return flows


def flow_totals(flows: dict[str, dict[str, int]], agent_type: str) -> dict[str, int | None]:
    """Income and spending (money flows that change net worth, revaluations left out) and
    the agent type's own headline flow."""
    income = spending = 0
    for kind, cents in flows["in"].items():
        spec = _KINDS[kind]
        if spec.src != spec.dst and spec.nw[1] > 0 and not spec.revaluation:
            income += cents
    for kind, cents in flows["out"].items():
        spec = _KINDS[kind]
        if spec.src != spec.dst and spec.nw[0] < 0 and not spec.revaluation:
            spending += cents
    consumption = flows["out"].get("CONSUMPTION", 0) if agent_type == "household" else None
    sales = (sum(flows["in"].get(k, 0) for k in _SALES_KINDS) if agent_type == "firm"
             else None)
    return {"income": income, "spending": spending, "consumption": consumption,
            "sales": sales}


def _rejection(rejected: list[dict], agent: AgentRef) -> dict | None:
    key = f"{agent[0]}:{agent[1]}"
    return next((row for row in rejected if str(row.get("agent", "")) == key), None)


def _script_record(*, source: str, outcome: str, decision: dict | None = None, field: str = "",
                   rule: str = "", message: str = "", log: str = "",
                   cpu_ms: float = 0.0) -> dict:
    return {"source": source, "outcome": outcome, "decision": decision, "field": field or "",
            "rule": rule or "", "message": (message or "")[:MESSAGE_MAX_CHARS],
            "log": (log or "")[:LOG_MAX_CHARS], "cpu_ms": round(float(cpu_ms), 3)}


class _Script:
    """The user's script across an arm's ticks: memory, strikes, CPU pool."""

    def __init__(self, inputs: Inputs, arm: Arm, sandbox: SandboxLike | None) -> None:
        self.inputs, self.arm, self.sandbox = inputs, arm, sandbox
        self.memory = dict(arm.memory or {})
        self.failures = 0
        self.unmounted = False
        self.pool_left = arm.cpu_pool_ms

    def call(self, world: World, tick: int, out: ArmOutcome) -> tuple[dict | None, dict]:
        """(decision for the engine or None, the row's script record before the engine's
        verdict)."""
        if self.unmounted:
            return None, _script_record(source="none", outcome="skipped", rule="unmounted")
        if self.pool_left is not None and self.pool_left < 1:
            return None, _script_record(source="none", outcome="skipped", rule="cpu_exhausted")
        if self.sandbox is None:
            raise RuntimeError("this arm needs a sandbox")
        agent = self.inputs.agent
        observation = world.observations([agent])[agent]
        budget = self.inputs.cpu_ms_per_call
        if self.pool_left is not None:
            budget = min(budget, self.pool_left)
        job = ScriptJob(key=f"lab:{agent[0]}:{agent[1]}", source=self.arm.source,
                        observation=observation, seed=int(observation["rng_seed"]),
                        cpu_ms=max(1, int(budget)), memory=self.memory,
                        tenant=self.inputs.tenant)
        result = self.sandbox.run_many([job])[0]
        out.sandbox_calls += 1
        out.cpu_ms += result.cpu_ms
        if self.pool_left is not None:
            self.pool_left -= math.ceil(result.cpu_ms)
        if not result.ok:
            return None, _script_record(
                source="sandbox", outcome="failed", decision=result.decision,
                rule=result.failure_kind or "", message=result.message, log=result.log,
                cpu_ms=result.cpu_ms) | {"_memory": None}
        outcome = "empty" if result.decision is None else "accepted"
        return result.decision, _script_record(
            source="sandbox", outcome=outcome, decision=result.decision, log=result.log,
            cpu_ms=result.cpu_ms) | {"_memory": result.memory or {}}

    def settle(self, record: dict, rejection: dict | None) -> None:
        """The engine's verdict: memory and strikes as the live tick keeps them."""
        memory = record.pop("_memory", None)
        if record["source"] != "sandbox":
            return
        if rejection is not None:
            record.update(outcome="rejected", field=str(rejection.get("field") or ""),
                          rule=str(rejection.get("rule") or ""))
        if record["outcome"] in ("accepted", "empty"):
            self.failures = 0
            self.memory = memory or {}
            return
        self.failures += 1
        limit = self.inputs.strikes_to_unmount
        if limit is not None and self.failures >= limit:
            self.unmounted = True


def _archived_record(inputs: Inputs, tick: int) -> dict:
    row = inputs.agent_records.get(tick)
    if row is None:
        return _script_record(source="none", outcome="none")
    return _script_record(source="archive", outcome=row.get("outcome", ""),
                          decision=row.get("decision"), field=row.get("field", ""),
                          rule=row.get("rule", ""), cpu_ms=row.get("cpu_ms") or 0.0)


def run_arm(inputs: Inputs, arm: Arm, *, sandbox: SandboxLike | None = None,
            on_tick: Callable[[dict], None] | None = None,
            cancelled: Callable[[], bool | str | None] | None = None,
            keep_series: bool = True) -> ArmOutcome:
    """Run one arm for `inputs.ticks` ticks (fewer when cancelled or failed: the rows made so
    far stay in the outcome and were handed to `on_tick`). Never raises for a user's doing;
    an engine error (a bug) ends the arm as `failed`, reason `engine_error`. `cancelled` is
    asked before each tick: True stops the arm as cancelled, a string fails it with that
    string as its reason (the caller's own limit, e.g. `result_too_large`)."""
    started = time.perf_counter()
    out = ArmOutcome()
    agent = inputs.agent
    world = World.from_bytes(inputs.start_world)
    if inputs.start_hash and world.state_hash() != inputs.start_hash:
        out.status, out.reason = FAILED, "checkpoint_changed"
        out.message = "The start checkpoint is not the one the backtest was created on."
        return out
    out.start_balance_sheet = world.balance_sheet(agent)
    script = _Script(inputs, arm, sandbox) if arm.kind != BASELINE and arm.source else None
    last_archived = inputs.archive_last_tick
    try:
        for _ in range(inputs.ticks):
            stop = cancelled() if cancelled is not None else None
            if stop:
                if stop is True or stop == "cancelled":
                    out.status, out.reason, out.message = CANCELLED, "cancelled", "Cancelled."
                else:  # the caller's own reason (a result cap): the arm fails with it
                    out.status, out.reason = FAILED, str(stop)
                    out.message = f"Stopped after {out.ticks_done} ticks: {stop}."
                break
            tick = world.tick + 1
            in_archive = last_archived is not None and tick <= last_archived
            archived = dict(inputs.decisions.get(tick, {})) if in_archive else {}
            own = archived.pop(agent, None)
            calls_before = out.sandbox_calls
            if arm.kind == ARCHIVED and in_archive:
                decision, record = own, _archived_record(inputs, tick)
            elif script is not None:
                decision, record = script.call(world, tick, out)
            else:
                decision, record = None, _script_record(source="none", outcome="none")
            if in_archive and arm.kind == ARCHIVED:
                out.sandbox_calls_in_archive += out.sandbox_calls - calls_before
            if decision is not None:
                archived[agent] = decision
            for spec in inputs.shocks.get(tick, ()) if in_archive else ():
                world.add_shock(spec)
            result = world.step(archived)
            if script is not None:
                script.settle(record, _rejection(result.rejected, agent))
            record.pop("_memory", None)
            out.outcomes[record["outcome"]] = out.outcomes.get(record["outcome"], 0) + 1
            row = _row(inputs, arm, world, result, record, in_archive)
            if row["hash_match"] is not None:
                out.hash_checked += 1
                if row["hash_match"]:
                    out.hash_matches += 1
                elif out.first_mismatch_tick is None:
                    out.first_mismatch_tick = tick
            out.ticks_done += 1
            if keep_series:
                out.series.append(row)
            if on_tick is not None:
                on_tick(row)
    except EngineError as exc:
        out.status, out.reason, out.message = FAILED, "engine_error", str(exc)[:MESSAGE_MAX_CHARS]
    finally:
        out.seconds = time.perf_counter() - started
    return out


def _row(inputs: Inputs, arm: Arm, world: World, result: Any, record: dict,
         in_archive: bool) -> dict:
    agent = inputs.agent
    flows = agent_flows(result.postings, agent)
    archived_hash = inputs.hashes.get(result.tick) if arm.kind == ARCHIVED and in_archive \
        else None
    return {
        "tick": result.tick,
        "day": (result.tick - 1) // inputs.ticks_per_day + 1,
        "state_hash": result.state_hash,
        "archived_hash": archived_hash,
        "hash_match": None if archived_hash is None else archived_hash == result.state_hash,
        "balance_sheet": world.balance_sheet(agent),
        "flows": flows,
        **flow_totals(flows, agent[0]),
        "score": None,
        "script": plain(record),
        "aggregates": plain(result.aggregates),
    }


def run_backtest(inputs: Inputs, arms: list[Arm], *, sandbox: SandboxLike | None = None,
                 progress: Callable[[int, int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> list[ArmOutcome]:
    """Every arm in turn in this process (the local command and tests; the server runs one
    Celery task per arm). `progress(arm index, ticks done, ticks)` after each tick."""
    outcomes = []
    for index, arm in enumerate(arms):
        done = [0]

        def tick_done(row: dict, index: int = index, done: list = done) -> None:
            done[0] += 1
            if progress is not None:
                progress(index, done[0], inputs.ticks)

        outcomes.append(run_arm(inputs, arm, sandbox=sandbox, on_tick=tick_done,
                                cancelled=cancelled))
    return outcomes


def row_bytes(row: dict) -> int:
    """The size a row takes as JSON (what the result cap counts)."""
    return len(json.dumps(row, separators=(",", ":")))
