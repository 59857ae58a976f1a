"""Example strategy scripts, mounted by the seed and shown to new script authors.

The sources are plain files next to this module, so they read (and lint) as the Python a user
would upload; they run only in the sandbox.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

EXAMPLES = (
    ("Buffer-stock household", "household", "household_buffer_stock.py"),
    ("Inventory-driven firm", "firm", "firm_inventory_pricing.py"),
)


def script_examples() -> list[tuple[str, str, str, str]]:
    """(name, agent_type, description, source) of each example; the description is the
    first paragraph of the script's docstring."""
    out = []
    for name, agent_type, filename in EXAMPLES:
        source = (_HERE / filename).read_text()
        description = source.split('"""')[1].strip().split("\n\n")[0].replace("\n", " ")
        out.append((name, agent_type, description, source))
    return out
