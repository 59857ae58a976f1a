"""The deployment files as Docker and Compose read them, for tests that cannot run containers:
the Dockerfile's ENV, RUN and CMD instructions, and compose.yaml with its variables
substituted the way Compose substitutes them."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Dockerfile:
    env: dict[str, str] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)  # RUN instructions, shell form
    cmd: list[str] = field(default_factory=list)  # CMD, exec form


def dockerfile(path: Path = ROOT / "Dockerfile") -> Dockerfile:
    result = Dockerfile()
    logical = re.sub(r"\\\n", " ", path.read_text())  # line continuations
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "ENV":
            result.env.update(item.split("=", 1) for item in shlex.split(rest))
        elif instruction == "RUN":
            result.runs.append(rest.strip())
        elif instruction == "CMD":
            result.cmd = json.loads(rest)
    return result


def build_run(fragment: str) -> str:
    """The one RUN instruction that contains `fragment`."""
    [run] = [run for run in dockerfile().runs if fragment in run]
    return run


_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's substitution: ${X}, $X, ${X:-default}, ${X-default}, ${X:?error}, ${X?error},
    and $$ for a literal $."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3)
        value = variables.get(name)
        missing = value is None or (value == "" and operator and operator.startswith(":"))
        if operator and operator.endswith("-"):
            return argument if missing else value
        if operator and operator.endswith("?"):
            if missing:
                raise ValueError(f"required variable {name} is missing: {argument}")
            return value
        return value or ""

    return _VARIABLE.sub(replace, text)


def _substitute(node: Any, variables: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [_substitute(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: _substitute(value, variables) for key, value in node.items()}
    return node


def compose(variables: dict[str, str] | None = None) -> dict:
    """compose.yaml with YAML merge keys resolved and, given `variables` (the shell's
    environment), its ${...} substituted."""
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded if variables is None else _substitute(loaded, variables)


def service_command(config: dict, service: str) -> list[str]:
    """What the service's container runs: its command, or else the image's CMD."""
    command = config["services"][service].get("command")
    if command is None:
        return dockerfile().cmd
    return command if isinstance(command, list) else shlex.split(command)


def service_environment(config: dict, service: str) -> dict[str, str]:
    """The container's environment: the image's ENV, then the service's environment."""
    environment = config["services"][service].get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {**dockerfile().env, **{k: str(v) for k, v in environment.items()}}
