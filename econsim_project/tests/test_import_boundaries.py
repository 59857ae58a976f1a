"""The engine and the sandbox are plain Python: nothing below them may import Django."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ["simulations/engine", "scripts_lib/sandbox"]
FORBIDDEN = ("django", "rest_framework", "celery", "accounts", "history", "ops")
PURE_PREFIXES = ("simulations.engine", "scripts_lib.sandbox")


def _forbidden(name: str) -> bool:
    top = name.split(".")[0]
    if top in ("simulations", "scripts_lib"):  # the Django halves of these apps
        return not name.startswith(PURE_PREFIXES)
    return top in FORBIDDEN


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_imports_nothing_from_django(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in _imports(path)
        if _forbidden(name)
    ]
    assert offenders == []


def test_the_checker_catches_a_django_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("import os\nfrom django.db import models\n")
    assert (2, "django.db") in _imports(sample)
    assert _forbidden("simulations.models")
    assert not _forbidden("simulations.engine.ledger")
