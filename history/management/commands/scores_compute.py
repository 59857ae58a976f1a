from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError

from history.models import AgentScore
from history.scoring import scores_compute
from simulations.models import Simulation


class Command(BaseCommand):
    help = ("Score the finished days of a simulation that have no scores yet (every household, "
            "firm and bank), in order, from the archive. Idempotent: a scored day is skipped.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--simulation", type=int, required=True,
                            help="The simulation's id.")
        parser.add_argument("--day", type=int, default=None,
                            help="Score up to this day (default: the last finished day).")

    def handle(self, *args: object, **options: object) -> None:
        simulation_id, day = options["simulation"], options["day"]
        if not Simulation.objects.filter(pk=simulation_id).exists():
            raise CommandError(f"--simulation: no simulation {simulation_id}.")
        if day is not None and day < 1:
            raise CommandError("--day: expected an integer >= 1.")
        written = scores_compute(simulation_id=simulation_id, day=day)
        latest = (AgentScore.objects.filter(simulation_id=simulation_id)
                  .order_by("-day").values_list("day", flat=True).first())
        self.stdout.write(self.style.SUCCESS(
            f"scores_compute: scored {written} days; simulation {simulation_id} is scored "
            f"up to day {latest or 0}."))
