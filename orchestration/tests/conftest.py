"""The small running worlds of the simulations tests serve the orchestration tests too."""

from simulations.tests.conftest import simulation  # noqa: F401
