"""Platform operations: worker heartbeats and seeding."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from accounts.services import user_create
from orchestration.seeding import baseline_seed

HEARTBEAT_KEY = "ops:worker-heartbeat"
HEARTBEAT_TTL_SECONDS = 15 * 60


def heartbeat_record(*, worker: str) -> dict[str, str]:
    """Written by a Celery worker; the health endpoint reads it to say whether workers are alive."""
    beat = {"worker": worker, "at": timezone.now().isoformat()}
    cache.set(HEARTBEAT_KEY, beat, HEARTBEAT_TTL_SECONDS)
    return beat


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)


def seed_run() -> SeedReport:
    """Create what a fresh platform needs; running it again changes nothing."""
    report = SeedReport()
    User = get_user_model()
    accounts = [
        (settings.OPERATOR_USERNAME, settings.OPERATOR_EMAIL, settings.OPERATOR_PASSWORD, True),
        (
            settings.DEMO_USERNAME,
            f"{settings.DEMO_USERNAME}@example.com",
            settings.DEMO_PASSWORD,
            False,
        ),
    ]
    for username, email, password, is_operator in accounts:
        if User.objects.filter(username=username).exists():
            continue
        _, generated = user_create(
            username=username, email=email, password=password, is_staff=is_operator
        )
        report.created.append(f"{'operator' if is_operator else 'user'} {username}")
        if generated:
            report.passwords[username] = generated
    report.created += baseline_seed(
        operator=User.objects.get(username=settings.OPERATOR_USERNAME),
        demo=User.objects.get(username=settings.DEMO_USERNAME))
    return report
