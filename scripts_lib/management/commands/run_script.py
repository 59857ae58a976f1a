"""Run a strategy script file the way the server runs it: same upload checks, same sandbox,
same engine validation. Exit 0 and the decision as JSON when it ran and validated; exit 1 and
{kind, message, line} otherwise. Never hangs: the sandbox kills a call at its CPU budget (wall
deadline 2 x budget + 100 ms)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from scripts_lib.dry_run import failure_line, run_once, sample_world
from scripts_lib.sandbox import Sandbox, SandboxError, check_source
from scripts_lib.sandbox.jobs import MAX_CPU_MS, MAX_SOURCE_BYTES
from simulations.engine.decisions import decision_context
from simulations.models import AgentType, Scenario


class Failed(Exception):
    def __init__(self, kind: str, message: str, line: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.body = {"kind": kind, "message": message, "line": line, **extra}


class Command(BaseCommand):
    help = "Run a strategy script once in the sandbox against a sample (or given) observation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The script file.")
        parser.add_argument("--agent-type", required=True, choices=AgentType.values)
        parser.add_argument("--obs", help="A JSON file with the observation (a `memory` key "
                                          "in it is passed as the script's memory); default: "
                                          "agent 0 of a sample world.")
        parser.add_argument("--scenario", default=Scenario.BASELINE, choices=Scenario.values,
                            help="Scenario of the sample world (and of the validation ranges).")
        parser.add_argument("--cpu-ms", type=int, default=settings.SCRIPT_CPU_MS_PER_TICK,
                            help="CPU budget of the call (default: the per-tick grant).")
        parser.add_argument("--json", action="store_true",
                            help="Print one JSON object with the decision, memory, log and CPU "
                                 "(default: the decision; the log goes to stderr).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            out = self._run(options)
        except Failed as failed:
            self.stdout.write(json.dumps(failed.body, indent=None if options["json"] else 2))
            sys.exit(1)
        if options["json"]:
            self.stdout.write(json.dumps(out))
        else:
            if out["log"]:
                self.stderr.write(out["log"].rstrip("\n"))
            self.stderr.write(f"[ran in {out['cpu_ms']} ms of CPU]")
            self.stdout.write(json.dumps(out["decision"], indent=2))

    def _run(self, options: dict[str, Any]) -> dict[str, Any]:
        agent_type, cpu_ms = options["agent_type"], options["cpu_ms"]
        if not 1 <= cpu_ms <= MAX_CPU_MS:
            raise Failed("usage", f"--cpu-ms must be from 1 to {MAX_CPU_MS}")
        source = _read(Path(options["path"]), "script")
        problems = check_source(source, max_bytes=min(settings.SCRIPT_SOURCE_MAX_BYTES,
                                                      MAX_SOURCE_BYTES))
        if problems:
            first = problems[0]
            raise Failed("check", first.message, first.line,
                         problems=[{"line": p.line, "message": p.message} for p in problems])
        world = sample_world(options["scenario"])
        ref = (agent_type, 0)
        observation = world.observations([ref])[ref]
        if options["obs"]:
            try:
                observation = json.loads(_read(Path(options["obs"]), "observation"))
            except ValueError as exc:
                raise Failed("usage", f"the observation file is not JSON: {exc}") from None
            if not isinstance(observation, dict):
                raise Failed("usage", "the observation file must hold a JSON object")
        memory = observation.pop("memory", None) or {}
        if not isinstance(memory, dict):
            raise Failed("usage", "the observation's `memory` must be a JSON object")
        try:
            with Sandbox(workers=1) as box:
                result, validation = run_once(
                    box=box, source=source, agent_type=agent_type, observation=observation,
                    memory=memory, ctx=decision_context(world.ctx, *ref), cpu_ms=cpu_ms,
                    tenant="run_script")
        except SandboxError as exc:  # isolation unavailable here: fail closed, say why
            raise Failed("sandbox_unavailable", str(exc)) from None
        if not result.ok:
            raise Failed(result.failure_kind or "exception", result.message,
                         failure_line(result), traceback=result.traceback, log=result.log,
                         validation=validation)
        return {"decision": result.decision, "memory": result.memory, "log": result.log,
                "cpu_ms": round(result.cpu_ms, 3), "validation": validation}


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failed("usage", f"cannot read the {what} file {str(path)!r}: {exc}") from None
