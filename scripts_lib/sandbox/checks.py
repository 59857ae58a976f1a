"""Upload-time checks: friendly errors with line numbers before a version is saved.

Not a security measure (the sandbox is); it tells authors early what the sandbox would refuse.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

from scripts_lib.sandbox.jobs import MAX_SOURCE_BYTES
from scripts_lib.sandbox.runner import ALLOWED_MODULES


@dataclass(frozen=True)
class SourceProblem:
    line: int | None
    rule: str  # one of RULES: what the platform reports as the error's rule
    message: str


RULES = ("too_large", "too_complex", "syntax_error", "forbidden_import", "missing_decide")


def check_source(source: str, max_bytes: int = MAX_SOURCE_BYTES) -> list[SourceProblem]:
    """Every problem found, in line order; [] means the script may be saved."""
    size = len(source.encode())
    if size > max_bytes:
        return [SourceProblem(None, "too_large",
                              f"source is {size} bytes; at most {max_bytes} allowed")]
    too_complex = _complexity_problem(source)
    if too_complex is not None:
        return [too_complex]
    try:
        tree = ast.parse(source, filename="<strategy>")
    except SyntaxError as exc:
        return [SourceProblem(exc.lineno, "syntax_error", f"syntax error: {exc.msg}")]
    except ValueError as exc:  # e.g. a NUL character
        return [SourceProblem(None, "syntax_error", f"syntax error: {exc}")]
    except (RecursionError, MemoryError):  # the budget below should make these unreachable
        return [SourceProblem(None, "too_complex", "too complex: the parser ran out of room")]
    problems = [SourceProblem(node.lineno, "forbidden_import", message) for node in ast.walk(tree)
                for message in _import_problems(node)]
    if not any(isinstance(n, ast.FunctionDef) and n.name == "decide" for n in tree.body):
        problems.append(SourceProblem(None, "missing_decide",
                                      "no top-level function decide(obs) defined"))
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


# The parse budget. CPython's parser recurses once per nesting level of an expression (brackets,
# unary operators, an operator chain `1+1+...`, attribute and call chains), and the host parses
# every uploaded source: `x = ------...1` with 20,000 signs exhausted the parser's stack
# (MemoryError), a 15,000-term sum its recursion limit. Counting tokens is linear and recurses
# nowhere, so a source over either bound is refused before the parser sees it. The bounds are
# far above what a strategy writes and far below where parsing fails (~3,000 levels).
MAX_BRACKET_DEPTH = 100
MAX_OPERATORS_PER_STATEMENT = 1_000
_OPENING, _CLOSING = set("([{"), set(")]}")
_NOT_NESTING = {",", ":", ";", "=", "->", "...", *_CLOSING}
_NOT_NESTING |= {op + "=" for op in ("+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>",
                                     "&", "|", "^")}
_NESTING_KEYWORDS = {"not", "and", "or", "if", "else", "lambda", "await", "in", "is"}


def _complexity_problem(source: str) -> SourceProblem | None:
    """A SourceProblem if `source` is over the parse budget; None if within it or if it does
    not tokenize (the parser then reports the syntax error)."""
    depth = operators = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NEWLINE:
                operators = 0
            elif token.type == tokenize.OP:
                depth += token.string in _OPENING
                depth -= token.string in _CLOSING
                operators += token.string not in _NOT_NESTING
            elif token.type == tokenize.NAME and token.string in _NESTING_KEYWORDS:
                operators += 1
            if depth > MAX_BRACKET_DEPTH:
                return SourceProblem(token.start[0], "too_complex",
                                     f"too complex: brackets nested deeper than "
                                     f"{MAX_BRACKET_DEPTH} levels")
            if operators > MAX_OPERATORS_PER_STATEMENT:
                return SourceProblem(token.start[0], "too_complex",
                                     f"too complex: more than {MAX_OPERATORS_PER_STATEMENT} "
                                     f"operators in one statement")
    except (tokenize.TokenError, SyntaxError):
        return None
    return None
