import ast
from pathlib import Path

from scripts_lib.sandbox import ScriptJob
from scripts_lib.sandbox.supervisor import plan_batches

SANDBOX_DIR = Path(__file__).resolve().parents[2] / "sandbox"


def test_the_sandbox_imports_nothing_from_django() -> None:
    for path in SANDBOX_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("django", "rest_framework") for n in names), path


def test_batches_never_mix_tenants_and_anonymous_jobs_run_alone() -> None:
    tenants = ["a", "b", "", "a", "", "b", "a", "c"] * 5
    jobs = [ScriptJob(str(i), "", {}, i, tenant=t) for i, t in enumerate(tenants)]
    batches = plan_batches(jobs, batch_size=4)
    assert sorted(i for b in batches for i in b) == list(range(len(jobs)))
    for batch in batches:
        assert len(batch) <= 4
        assert len({tenants[i] for i in batch}) == 1
        if tenants[batch[0]] == "":
            assert len(batch) == 1
