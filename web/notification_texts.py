"""The words of each notification kind, in the reader's language.

A notification row keeps an English title and body (what the API returns, written by the
producer) and the facts they were made from in `data`. Pages word the notice again from those
facts in the active language; a row without them (an older row, a system message) is shown
as stored. What a script printed or raised is shown as code, as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification
from scripts_lib.models import FailureKind
from simulations.models import AGENT_TYPE_LABELS

Kind = Notification.Kind

# kind: (title, body, the facts both need)
TEXTS = {
    Kind.DAY_FINISHED: (
        _("%(simulation)s: day %(day)s finished"), _("The world is at tick %(tick)s."),
        ("simulation_name", "day", "tick")),
    Kind.SCRIPT_FAILURE: (
        _("Your script on %(agent)s failed (%(kind)s)"),
        _("Tick %(tick)s: %(message)s (one notice per agent and day; %(strikes)s of "
          "%(limit)s strikes)"),
        ("agent", "kind", "tick", "message", "strikes", "limit")),
    Kind.SCRIPT_UNMOUNTED: (
        _("Script unmounted from %(agent)s after %(limit)s failures in a row"),
        _("Last failure at tick %(tick)s: %(message)s"),
        ("agent", "tick", "message", "limit")),
    Kind.ROTATION_APPLIED: (
        _("%(script)s v%(number)s now drives %(agent)s"),
        _("Rotation applied at the end of tick %(tick)s; memory kept."),
        ("script", "number", "agent", "tick")),
}


def agent_label(ref: str) -> str:
    """"household:4" -> "Household 4" in the active language."""
    agent_type, _sep, engine_id = ref.partition(":")
    return f"{AGENT_TYPE_LABELS.get(agent_type, agent_type)} {engine_id}"


def _facts(kind: str, data: dict[str, Any]) -> dict[str, SafeString] | None:
    needed = TEXTS[kind][2]
    if not all(key in data for key in needed):
        return None
    facts = {key: conditional_escape(data[key]) for key in needed}
    if "simulation_name" in facts:
        facts["simulation"] = facts.pop("simulation_name")
    if "agent" in facts:
        facts["agent"] = conditional_escape(agent_label(str(data["agent"])))
    if "kind" in facts:
        kind_label = dict(FailureKind.choices).get(data["kind"], data["kind"])
        facts["kind"] = conditional_escape(kind_label)
    if "message" in facts:
        facts["message"] = format_html("<code>{}</code>", data["message"])
    return facts


def notification_html(notification: Notification) -> tuple[SafeString, SafeString]:
    """(title, body) for a page, escaped, in the active language when the row has its facts."""
    facts = _facts(notification.kind, notification.data) if notification.kind in TEXTS \
        else None
    if facts is None:
        return conditional_escape(notification.title), conditional_escape(notification.body)
    title, body, _needed = TEXTS[notification.kind]
    # The templates are the project's own text; every fact in them is escaped above.
    return mark_safe(str(title) % facts), mark_safe(str(body) % facts)
