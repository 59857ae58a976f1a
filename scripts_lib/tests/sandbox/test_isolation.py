from pathlib import Path

import pytest

from scripts_lib.sandbox import Sandbox, SandboxConfig, SandboxUnavailable, isolation_status
from scripts_lib.sandbox.isolation import _world_readable


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


def test_interpreter_detection_skips_what_the_sandbox_uid_cannot_read(tmp_path: Path) -> None:
    assert _world_readable("/usr/bin/bwrap")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "python3").touch(mode=0o755)
    assert not _world_readable(str(private / "python3"))
    config = SandboxConfig.detect()
    assert all(_world_readable(p) for p in (config.python, config.stdlib))


def test_a_checkout_the_sandbox_uid_cannot_read_is_served_from_a_sealed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scripts_lib.sandbox import isolation

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    for module in isolation.SANDBOX_DIR.glob("*.py"):
        (private / module.name).write_bytes(module.read_bytes())
    monkeypatch.setattr(isolation, "SANDBOX_DIR", private)
    served = Path(isolation.sandbox_code_dir())
    assert served != private
    assert _world_readable(str(served))
    assert not served.stat().st_mode & 0o222  # read-only: nobody may plant code there
    assert sorted(p.name for p in served.iterdir()) == sorted(p.name for p in private.iterdir())
    assert all((served / p.name).read_bytes() == p.read_bytes() for p in private.iterdir())
    assert isolation.sandbox_code_dir() == str(served)  # made once, then reused
