"""The dry runs' words for the pages (the editor, get-started)."""

from __future__ import annotations

from django.utils.translation import ngettext

from scripts_lib.dry_run import DryRunLimited


def dry_run_limited_text(exc: DryRunLimited) -> str:
    return ngettext("You started %(limit)s dry runs this minute, your limit; try again in "
                    "%(wait)s second.",
                    "You started %(limit)s dry runs this minute, your limit; try again in "
                    "%(wait)s seconds.", exc.wait) % {"limit": exc.limit, "wait": exc.wait}
