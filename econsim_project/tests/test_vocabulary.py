"""Each domain vocabulary is defined once: agent types and markets by the engine
(`simulations/engine/vocabulary.py`), failure kinds and caps by the sandbox
(`scripts_lib/sandbox/jobs.py`). Everything else derives from them.

A module restates a vocabulary when its string literals hold every one of its names (a tuple,
a choices class, a code table: whatever the syntax); it restates a cap when it compares with
the cap's number. Tests and migrations (frozen history) are not scanned. The allowlist holds
the per-type tables that must name each type: behaviour per agent type, and labels that
makemessages must find as literals.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scripts_lib.sandbox import runner
from scripts_lib.sandbox.jobs import FAILURE_KINDS, MAX_CPU_MS, MAX_SOURCE_BYTES
from simulations.engine import observation_schema
from simulations.engine.vocabulary import AGENT_TYPES, MARKETS

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "migrations", "tests", "node_modules", "var", "static"}

VOCABULARIES = {
    "agent types": (frozenset(AGENT_TYPES), "simulations/engine/vocabulary.py"),
    "markets": (frozenset(MARKETS), "simulations/engine/vocabulary.py"),
    "failure kinds": (frozenset(FAILURE_KINDS), "scripts_lib/sandbox/jobs.py"),
}
CAPS = {"MAX_SOURCE_BYTES": MAX_SOURCE_BYTES, "MAX_CPU_MS": MAX_CPU_MS}

# Per-type tables: one entry per agent type by nature, not a list of the types.
PER_TYPE_TABLES = {
    "simulations/engine/schema.py",  # the decision record of each type
    "simulations/engine/observation_schema.py",  # the observed fields of each type
    "simulations/engine/observations.py",  # how each type's observation is built
    "simulations/engine/balance.py",  # each type's balance sheet
    "simulations/engine/invariants.py",  # each type's net worth
    "simulations/engine/ledger.py",  # the holder type of each account
    "simulations/models.py",  # each type's translated label (msgids must be literals)
    "web/figures.py",  # each market's translated label (msgids must be literals)
}


def _sources() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts))


def _strings(tree: ast.AST) -> set[str]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings}


def _number(node: ast.expr) -> int | None:
    """An int written as a literal or as arithmetic on literals (256 * 1024)."""
    if isinstance(node, ast.Constant):
        return node.value if type(node.value) is int else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Pow | ast.Add):
        left, right = _number(node.left), _number(node.right)
        if left is not None and right is not None:
            return {ast.Mult: left * right, ast.Pow: left ** right if right < 64 else None,
                    ast.Add: left + right}[type(node.op)]
    return None


def vocabulary_copies(path: str, text: str) -> list[str]:
    """What `text` (the module at `path`) restates instead of importing."""
    tree = ast.parse(text)
    found = []
    strings = _strings(tree)
    for name, (words, home) in VOCABULARIES.items():
        if path != home and path not in PER_TYPE_TABLES and words <= strings:
            found.append(f"{path}: every one of the {name} ({home} defines them)")
    if not path.startswith("scripts_lib/sandbox/"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for operand in (node.left, *node.comparators):
                    for cap, value in CAPS.items():
                        if _number(operand) == value:
                            found.append(f"{path}:{node.lineno}: compares with {value}, the "
                                         f"sandbox's {cap}")
    return found


def test_no_module_restates_a_vocabulary_or_a_sandbox_cap() -> None:
    copies = [copy for path in _sources()
              for copy in vocabulary_copies(path.relative_to(ROOT).as_posix(),
                                            path.read_text(encoding="utf-8"))]
    assert copies == []


@pytest.mark.parametrize("text", [
    'NAMES = ("household", "firm", "bank", "central_bank", "government")',
    'class Code:\n    A = 0, "household"\n    B = 1, "firm"\n    C = 2, "bank"\n'
    '    D = 3, "central_bank"\n    E = 4, "government"',
    'CODES = {"goods": 0, "labour": 1, "credit": 2}',
    'KINDS = ["timeout", "memory", "exception", "bad_output", "rejected_decision"]',
    "if size > 256 * 1024:\n    pass",
    "if ms > 10_000:\n    pass",
])
def test_a_copy_of_a_vocabulary_is_found(text: str) -> None:
    assert vocabulary_copies("econsim_project/settings.py", text)


def test_one_agent_type_or_a_subset_is_a_use_not_a_copy() -> None:
    assert vocabulary_copies("history/trades.py",
                             'SELLER = CODES["firm"]\nOWN = ("household", "firm", "bank")') == []


def test_the_engine_and_the_sandbox_name_the_memory_key_alike() -> None:
    # Both pure packages need it and neither may import the other: the sandbox owns it (it
    # hands memory in and splits it off the return); the engine's copy names it in the
    # script contract it documents and validates.
    assert observation_schema.MEMORY_KEY == runner.MEMORY_KEY
