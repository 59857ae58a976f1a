import pytest

from scripts_lib.sandbox import Sandbox, SandboxConfig, SandboxUnavailable, isolation_status


def test_isolation_is_available_on_this_host() -> None:
    ok, reason = isolation_status()
    assert ok, f"script isolation unavailable here: {reason}"
    assert "65534" in reason


@pytest.mark.parametrize(("config", "why"), [
    (SandboxConfig(bwrap="/nonexistent/bwrap"), "bubblewrap not found"),
    (SandboxConfig(python="/nonexistent/python3"), "interpreter"),
    (SandboxConfig(uid=0, gid=0), "root"),
])
def test_missing_isolation_refuses_to_run(config: SandboxConfig, why: str) -> None:
    ok, reason = isolation_status(config)
    assert not ok and why in reason
    with pytest.raises(SandboxUnavailable, match=why):
        Sandbox(workers=1, config=config).start()


def test_a_sandbox_that_cannot_start_says_why() -> None:
    broken = SandboxConfig(libs=("/usr/lib64",))  # no shared libraries: python cannot start
    ok, reason = isolation_status(broken)
    assert not ok and "did not start" in reason
