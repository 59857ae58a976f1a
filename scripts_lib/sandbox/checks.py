"""Upload-time checks: friendly errors with line numbers before a version is saved.

Not a security measure (the sandbox is); it tells authors early what the sandbox would refuse.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from scripts_lib.sandbox.jobs import MAX_SOURCE_BYTES
from scripts_lib.sandbox.runner import ALLOWED_MODULES


@dataclass(frozen=True)
class SourceProblem:
    line: int | None
    message: str


def check_source(source: str, max_bytes: int = MAX_SOURCE_BYTES) -> list[SourceProblem]:
    """Every problem found, in line order; [] means the script may be saved."""
    size = len(source.encode())
    if size > max_bytes:
        return [SourceProblem(None, f"source is {size} bytes; at most {max_bytes} allowed")]
    try:
        tree = ast.parse(source, filename="<strategy>")
    except SyntaxError as exc:
        return [SourceProblem(exc.lineno, f"syntax error: {exc.msg}")]
    problems = [SourceProblem(node.lineno, message) for node in ast.walk(tree)
                for message in _import_problems(node)]
    if not any(isinstance(n, ast.FunctionDef) and n.name == "decide" for n in tree.body):
        problems.append(SourceProblem(None, "no top-level function decide(obs) defined"))
    return sorted(problems, key=lambda p: p.line or 0)


def _import_problems(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            return ["relative imports are not allowed"]
        names = [node.module or ""]
    else:
        return []
    allowed = ", ".join(ALLOWED_MODULES)
    return [f"import of {name!r} is not allowed; allowed: {allowed}"
            for name in names if name not in ALLOWED_MODULES]
