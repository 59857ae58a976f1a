from __future__ import annotations

from argparse import ArgumentParser

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from history.services import tick_logs_prune


class Command(BaseCommand):
    help = ("Delete tick logs older than N days (default: HISTORY_RETENTION_DAYS). Aggregates, "
            "audit, day snapshots, trades and ledger entries are kept.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help="Keep the logs of the last N days.")
        parser.add_argument("--simulation", type=int, default=None,
                            help="Only this simulation's logs.")

    def handle(self, *args: object, **options: object) -> None:
        days = options["days"]
        if days is None:
            days = settings.HISTORY_RETENTION_DAYS
            if days == 0:
                self.stdout.write("prune_history: HISTORY_RETENTION_DAYS=0, nothing pruned.")
                return
        if days < 1:
            raise CommandError("--days: expected an integer >= 1.")
        deleted = tick_logs_prune(older_than_days=days, simulation_id=options["simulation"])
        self.stdout.write(self.style.SUCCESS(
            f"prune_history: deleted {deleted} tick log rows older than {days} days."))
