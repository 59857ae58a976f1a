"""Every app of the project is tested, checked by the layer contracts and placed in a layer:
a new app missing from one of the lists in pyproject.toml would silently go unchecked (its
tests never collected, its imports never linted)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _project_apps() -> set[str]:
    return {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _contract(config: dict, contract_id: str) -> dict:
    return next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == contract_id)


def test_every_project_app_is_collected_by_pytest() -> None:
    testpaths = set(_pyproject()["tool"]["pytest"]["ini_options"]["testpaths"])
    assert _project_apps() <= testpaths, _project_apps() - testpaths


def test_every_project_app_is_checked_by_the_import_contracts() -> None:
    config = _pyproject()
    linted = set(config["tool"]["importlinter"]["root_packages"])
    acyclic = set(_contract(config, "acyclic")["ancestors"])
    layered = {name for layer in _contract(config, "layers")["layers"]
               for name in re.findall(r"[a-z_]+", layer)}
    apps = _project_apps() | {"econsim_project"}
    assert apps <= linted, apps - linted
    assert apps <= acyclic, apps - acyclic
    # econsim_project sits outside the diagram except for its URL wiring.
    assert _project_apps() <= layered, _project_apps() - layered
