"""The docs' "Scores" section: what each scripted agent type maximises, its formula and a
worked number, all computed from the engine's own constants and functions
(`simulations.engine.scores`), so the pages cannot drift from what the leaderboard uses."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from simulations.engine.scores import (
    BETA,
    FAILURE_PENALTY_MEDIANS,
    THETA,
    UTILITY_UNIT_CENTS,
    household_day_score,
)
from web.figures import money

FORMULAS = {
    "household": ("S = Σ_{k=1..T} β^(k-1) · ln(1 + c_k / 100)\n"
                  "    + θ · (β^T · ln(1 + W_T / 100) - ln(1 + W_0 / 100))"),
    "firm": ("s_t = dividends_t + (NW_t - NW_(t-1)) - (recap_t + written_off_t)\n"
             "      - failed_t · M · max(0, median NW_(t-1) of all firms)"),
    "bank": ("s_t = dividends_t + (E_t - E_(t-1)) - (bail_in_t + capital_transfer_t)\n"
             "      - failed_t · M · max(0, median E_(t-1) of all banks)"),
}


def _firm_example() -> dict[str, int]:
    ok = {"dividends": 300_000, "before": 5_000_000, "after": 5_100_000}
    ok["score"] = ok["dividends"] + ok["after"] - ok["before"]
    failed = {"before": 100_000, "after": 400_000, "recap": 800_000, "written_off": 200_000,
              "median": 5_000_000}
    failed["penalty"] = FAILURE_PENALTY_MEDIANS * failed["median"]
    failed["score"] = (failed["after"] - failed["before"] - failed["recap"]
                       - failed["written_off"] - failed["penalty"])
    return {**{f"ok_{k}": v for k, v in ok.items()}, **{f"f_{k}": v for k, v in failed.items()}}


def score_docs() -> dict[str, dict[str, Any]]:
    """agent type -> goal, formula, parameters and a worked number (in the active language)."""
    household = household_day_score([2000] * 4, 10_000, 12_000)
    firm = _firm_example()
    bank_score = 50_000 + 9_020_000 - 9_000_000
    return {
        "household": {
            "goal": _("Maximise the discounted utility of what the household consumes, plus "
                      "the value of the wealth it keeps. Each day is scored on its own: the "
                      "discount restarts at the day's first tick."),
            "formula": FORMULAS["household"],
            "params": [
                ("c_k", _("what the household spent on goods at the k-th tick of the day, in "
                          "cents; the logarithms are taken of currency units (cents / %(unit)s).")
                 % {"unit": UTILITY_UNIT_CENTS}),
                ("W_0, W_T", _("its deposits before the day and after its last tick (T ticks).")),
                ("β, θ", _("β = %(beta)s per tick; θ = 1 / (1 - β) = %(theta)s, the value of "
                           "wealth to a consumer with log utility who lives on.")
                 % {"beta": BETA, "theta": f"{THETA:.0f}"}),
            ],
            "worked": _("Spending %(c)s at each of 4 ticks while deposits go from %(w0)s to "
                        "%(w1)s scores %(score)s.")
            % {"c": money(2000), "w0": money(10_000), "w1": money(12_000),
               "score": f"{household:.2f}"},
        },
        "firm": {
            "goal": _("Maximise the dividends the firm pays plus the growth of its net worth, "
                      "and never fail: a failure is a heavy loss."),
            "formula": FORMULAS["firm"],
            "params": [
                ("NW", _("net worth: deposits plus inventory at cost less loans, in cents.")),
                ("recap_t, written_off_t", _(
                    "the capital households put in when the firm fails and the debt its banks "
                    "write off: they rescue it but never count for it.")),
                ("failed_t, M", _(
                    "failed_t is 1 at a tick where the firm fails (its resolution moves money), "
                    "else 0; a failure costs M = %(m)s times the median firm's net worth.")
                 % {"m": FAILURE_PENALTY_MEDIANS}),
            ],
            "worked": _("A firm that pays %(div)s in dividends while its net worth goes from "
                        "%(before)s to %(after)s scores %(score)s. One that fails, is "
                        "recapitalised with %(recap)s and has %(off)s written off, its net "
                        "worth going from %(f_before)s to %(f_after)s while the median firm "
                        "is worth %(median)s, scores %(f_score)s.")
            % {"div": money(firm["ok_dividends"]), "before": money(firm["ok_before"]),
               "after": money(firm["ok_after"]), "score": money(firm["ok_score"]),
               "recap": money(firm["f_recap"]), "off": money(firm["f_written_off"]),
               "f_before": money(firm["f_before"]), "f_after": money(firm["f_after"]),
               "median": money(firm["f_median"]), "f_score": money(firm["f_score"])},
        },
        "bank": {
            "goal": _("Maximise the dividends the bank pays plus the growth of its equity, "
                      "and never need rescuing: a bail-in or a bailout is a heavy loss."),
            "formula": FORMULAS["bank"],
            "params": [
                ("E", _("equity: reserves plus loans plus bills less deposits and central bank "
                        "advances, in cents.")),
                ("bail_in_t, capital_transfer_t", _(
                    "what depositors or the government put in to restore its capital: they "
                    "never count for it.")),
                ("failed_t, M", _(
                    "failed_t is 1 at a tick where the bank is bailed in or out, else 0; a "
                    "rescue costs M = %(m)s times the median bank's equity.")
                 % {"m": FAILURE_PENALTY_MEDIANS}),
            ],
            "worked": _("A bank that pays %(div)s in dividends while its equity goes from "
                        "%(before)s to %(after)s scores %(score)s.")
            % {"div": money(50_000), "before": money(9_000_000), "after": money(9_020_000),
               "score": money(bank_score)},
        },
    }
