"""compose.yaml describes the whole platform: web, worker, beat, PostgreSQL and Redis."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_has_every_service_with_a_healthcheck():
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    for name in ("web", "db", "redis"):
        assert "test" in services[name]["healthcheck"], name


def test_app_services_wait_for_healthy_servers_and_share_the_configuration():
    compose = _compose()
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        env = service["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"):
            assert variable in env, (name, variable)
    assert "celery" in " ".join(services["worker"]["command"])
    assert "beat" in services["beat"]["command"]


def test_data_lives_in_named_volumes():
    compose = _compose()
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert any(v.startswith("pgdata:") for v in compose["services"]["db"]["volumes"])
    assert (ROOT / compose["services"]["web"]["build"]["dockerfile"]).exists()
