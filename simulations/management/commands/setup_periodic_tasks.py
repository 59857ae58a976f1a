"""`python manage.py setup_periodic_tasks`: make django-celery-beat match the schedules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from simulations.schedules import periodic_tasks_setup


class Command(BaseCommand):
    help = "Create or update one periodic task per simulation schedule; remove orphans. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        synced, deleted = periodic_tasks_setup()
        self.stdout.write(f"Periodic tasks: {synced} schedule(s) synced, {deleted} orphan(s) "
                          "removed.")
