"""Platform operations: worker heartbeats and seeding."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts.services import user_create
from orchestration.seeding import baseline_seed

# The seed's PostgreSQL advisory lock: "SEED" as a 32-bit integer (the first of two keys, like
# the simulations' "ESIM" lock), so that no other advisory lock on the database collides.
SEED_LOCK = (0x53454544, 0)
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


@contextmanager
def _seed_lock() -> Iterator[None]:
    """One seed at a time: replicas started together wait for the first, then find everything
    there. A session lock, released by PostgreSQL if the seeding process dies. SQLite (the
    embedded mode, one process seeds) needs none."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", SEED_LOCK)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", SEED_LOCK)


def seed_run() -> SeedReport:
    """Create what a fresh platform needs; running it again changes nothing, and so does
    running it in several processes at once."""
    with _seed_lock():
        return _seed()


def _seed() -> SeedReport:
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
