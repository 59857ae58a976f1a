from scripts_lib.sandbox import ScriptJob
from scripts_lib.sandbox.supervisor import plan_batches


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
