"""Words for the pages in the reader's language: notifications, agent and failure labels,
state values."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.models import Notification
from simulations.models import AGENT_TYPE_LABELS
from web.notification_texts import agent_label, notification_html

register = template.Library()


@register.filter
def notification_title(notification: Notification) -> SafeString:
    return notification_html(notification)[0]


@register.filter
def notification_body(notification: Notification) -> SafeString:
    """The body, its line breaks kept."""
    return linebreaksbr(notification_html(notification)[1], autoescape=True)


@register.filter
def agent_type_label(agent_type: str) -> str:
    return str(AGENT_TYPE_LABELS.get(agent_type, agent_type))


@register.filter
def agent_name(agent: object) -> str:
    """An agent (or its "type:id" reference) as "Household 4"."""
    return agent_label(str(agent))


@register.filter
def state_value(value: object) -> object:
    """A state's booleans as words; anything else as it is."""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return value


@register.filter
def task_state(state: str) -> str:
    """Celery's state name of a run task, in words."""
    words = {"PENDING": _("waiting"), "STARTED": _("started"), "PROGRESS": _("in progress"),
             "RETRY": _("retrying"), "SUCCESS": _("succeeded"), "FAILURE": _("failed"),
             "REVOKED": _("revoked")}
    return words.get(state, state)
