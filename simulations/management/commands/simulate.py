"""`python manage.py simulate`: run the engine headless and print one row per tick."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulations.engine.errors import ConfigError, EngineError
from simulations.engine.headless import columns_for, format_cell, parse_sets, rows

PROGRESS_FROM = 200  # ticks; shorter runs need no progress bar


class Command(BaseCommand):
    help = "Run the economy engine headless (scenario baseline or sim) and print aggregates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", choices=("baseline", "sim"), default="baseline")
        parser.add_argument("--ticks", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--set", action="append", dest="sets", metavar="KEY=VALUE",
                            help="override a parameter, e.g. --set government_spending=25")
        parser.add_argument("--json", action="store_true", help="one JSON object per tick")

    def handle(self, *args: Any, **opts: Any) -> None:
        scenario, ticks = opts["scenario"], opts["ticks"]
        try:
            stream = rows(scenario, ticks, opts["seed"], parse_sets(opts["sets"]))
            if opts["json"]:
                for row in stream:
                    self.stdout.write(json.dumps(row, allow_nan=False))
                return
            cols = columns_for(scenario)
            self.stdout.write("  ".join(f"{c:>14}" for c in cols))
            for row in stream:
                self.stdout.write("  ".join(f"{format_cell(row[c]):>14}" for c in cols))
                if ticks >= PROGRESS_FROM:
                    done = row["tick"] * 40 // ticks
                    sys.stderr.write(f"\r[{'#' * done}{'.' * (40 - done)}] {row['tick']}/{ticks}")
            if ticks >= PROGRESS_FROM:
                sys.stderr.write("\n")
        except ConfigError as err:
            raise CommandError(f"invalid setting {err.field}: {err.rule}") from err
        except EngineError as err:
            raise CommandError(str(err)) from err
