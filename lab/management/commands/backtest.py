"""The local backtester: a script file against the baseline rule (or another script file) on a
fresh world, with no server: the same runner (`lab.runner`) the server's backtests use, the
same sandbox, the same engine. Reads no table and writes none, so it runs with the embedded
settings (no DATABASE_URL / REDIS_URL).

    python manage.py backtest PATH --agent-type TYPE --ticks N [--scenario S] [--seed N]
        [--households N] [--agent-id N] [--compare baseline|PATH] [--json]

Prints a per-arm summary table; with --json, one JSON object: every arm's summary and its
per-tick rows (the runner's row format). Exit 1 with {kind, message, line} when a script
fails the upload checks or the sandbox is unavailable."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lab.runner import BASELINE, SCRIPT, Arm, ArmOutcome, Inputs, run_backtest
from scripts_lib.sandbox import Sandbox, SandboxError, check_source
from scripts_lib.sandbox.jobs import MAX_CPU_MS, MAX_SOURCE_BYTES
from simulations.engine import ConfigError, World
from simulations.models import NEW_WORLD_MODEL, AgentType, Scenario


class Failed(Exception):
    def __init__(self, kind: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.body = {"kind": kind, "message": message, "line": line}


class Command(BaseCommand):
    help = "Backtest a strategy script on a fresh world against the baseline or another script."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The script file (the candidate).")
        parser.add_argument("--agent-type", required=True, choices=AgentType.values)
        parser.add_argument("--ticks", type=int, required=True)
        parser.add_argument("--scenario", default=Scenario.BASELINE, choices=Scenario.values)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--households", type=int, default=None,
                            help="Households of the fresh world (default: the scenario's).")
        parser.add_argument("--agent-id", type=int, default=0,
                            help="Engine id of the agent the script drives (default 0).")
        parser.add_argument("--compare", default="baseline",
                            help="`baseline` (the agent type's rule) or another script file.")
        parser.add_argument("--cpu-ms", type=int, default=settings.SCRIPT_CPU_MAX_MS_PER_TICK,
                            help="CPU budget of each call (default: the most a live tick "
                                 "allows).")
        parser.add_argument("--json", action="store_true",
                            help="Print the summaries and the per-tick series as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            arms, inputs = self._prepare(options)
            with Sandbox(workers=1) as box:
                outcomes = run_backtest(inputs, arms, sandbox=box,
                                        progress=self._progress(options))
        except Failed as failed:
            self.stdout.write(json.dumps(failed.body))
            sys.exit(1)
        except SandboxError as exc:
            self.stdout.write(json.dumps({"kind": "sandbox_unavailable", "message": str(exc),
                                          "line": None}))
            sys.exit(1)
        if options["json"]:
            self.stdout.write(json.dumps({
                "agent": list(inputs.agent), "ticks": inputs.ticks,
                "arms": [{"label": arm.label, "kind": arm.kind, "summary": out.summary(),
                          "series": out.series} for arm, out in zip(arms, outcomes,
                                                                    strict=True)]}))
        else:
            self.stdout.write(summary_table(arms, outcomes))

    def _progress(self, options: dict[str, Any]):
        if options["json"]:
            return None

        def report(arm: int, done: int, total: int) -> None:
            if done == total:
                self.stderr.write(f"arm {arm}: {total} ticks done")
        return report

    def _prepare(self, options: dict[str, Any]) -> tuple[list[Arm], Inputs]:
        if not 1 <= options["ticks"] <= settings.SIMULATION_MAX_TICKS_PER_RUN:
            raise Failed("usage", f"--ticks must be from 1 to "
                                  f"{settings.SIMULATION_MAX_TICKS_PER_RUN}")
        if not 1 <= options["cpu_ms"] <= MAX_CPU_MS:
            raise Failed("usage", f"--cpu-ms must be from 1 to {MAX_CPU_MS}")
        arms = [Arm(SCRIPT, label=Path(options["path"]).name,
                    source=_script(Path(options["path"])))]
        if options["compare"] == "baseline":
            arms.append(Arm(BASELINE, label="baseline rule"))
        else:
            arms.append(Arm(SCRIPT, label=Path(options["compare"]).name,
                            source=_script(Path(options["compare"]))))
        overrides = {"model_version": NEW_WORLD_MODEL}
        if options["households"] is not None:
            overrides["n_households"] = options["households"]
        try:
            world = World.create(options["scenario"], overrides, seed=options["seed"])
        except ConfigError as exc:
            raise Failed("usage", f"world: {exc.field}: {exc.rule}") from None
        agent = (options["agent_type"], options["agent_id"])
        if agent not in world.agent_refs(options["agent_type"]):
            raise Failed("usage", f"no {agent[0]} {agent[1]} in this world")
        inputs = Inputs(start_world=world.to_bytes(), agent=agent, ticks=options["ticks"],
                        ticks_per_day=world.config.ticks_per_day,
                        cpu_ms_per_call=options["cpu_ms"],
                        strikes_to_unmount=settings.SCRIPT_STRIKES_TO_UNMOUNT, tenant="local")
        return arms, inputs


def _script(path: Path) -> str:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failed("usage", f"cannot read the script file {str(path)!r}: {exc}") from None
    problems = check_source(source, max_bytes=min(settings.SCRIPT_SOURCE_MAX_BYTES,
                                                  MAX_SOURCE_BYTES))
    if problems:
        raise Failed("check", f"{path.name}: {problems[0].message}", problems[0].line)
    return source


COLUMNS = [("arm", 24), ("ticks", 6), ("net worth start", 16), ("net worth end", 16),
           ("income", 14), ("spending", 14), ("consumption/sales", 18), ("score", 12),
           ("ok/rej/fail", 12),
           ("cpu ms", 9), ("calls", 6)]


def _score(value: float | int | None) -> str | None:
    """Households' utility with two decimals; firms' and banks' score in cents as it is."""
    return f"{value:.2f}" if isinstance(value, float) else value


def summary_table(arms: list[Arm], outcomes: list[ArmOutcome]) -> str:
    """One line per arm; money (and firms' and banks' scores) in cents."""
    lines = ["".join(f"{name:>{width}}" if i else f"{name:<{width}}"
                     for i, (name, width) in enumerate(COLUMNS))]
    for arm, out in zip(arms, outcomes, strict=True):
        s = out.summary()
        counts = s["outcomes"]
        headline = s.get("consumption") if s.get("consumption") is not None else s.get("sales")
        values = [
            (arm.label or arm.kind)[:23], s["ticks_done"], s.get("net_worth_start"),
            s.get("net_worth"), s.get("income"), s.get("spending"), headline,
            _score(s.get("score_total")),
            f"{counts.get('accepted', 0) + counts.get('empty', 0)}/"
            f"{counts.get('rejected', 0)}/{counts.get('failed', 0)}",
            f"{s['cpu_ms']:.1f}", s["sandbox_calls"]]
        lines.append("".join(
            f"{'' if v is None else v!s:>{width}}" if i else f"{v!s:<{width}}"
            for i, (v, (_, width)) in enumerate(zip(values, COLUMNS, strict=True))))
        if out.status != "succeeded":
            lines.append(f"  {out.status}: {out.reason} {out.message}")
    return "\n".join(lines)
