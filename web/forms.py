"""Form input of the product pages; services' errors reach them through
econsim_project.field_errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from econsim_project.fields import Int64FormField
from simulations.models import AgentType


class ClaimForm(forms.Form):
    simulation = Int64FormField(min_value=1)
    agent_type = forms.ChoiceField(choices=AgentType.choices, label=_("Agent type"))
    engine_id = Int64FormField(min_value=0, required=False, label=_("Agent id"),
                                   help_text=_("Empty: the first free one."))


class RangeForm(forms.Form):
    """The economy tab's tick and day range (all optional)."""

    tick_from = Int64FormField(min_value=0, required=False, label=_("From tick"))
    tick_to = Int64FormField(min_value=0, required=False, label=_("To tick"))
    day_from = Int64FormField(min_value=0, required=False, label=_("From day"))
    day_to = Int64FormField(min_value=0, required=False, label=_("To day"))


class ScriptCreateForm(forms.Form):
    name = forms.CharField(max_length=80, label=_("Name"))
    agent_type = forms.ChoiceField(choices=AgentType.choices, label=_("Agent type"))


class ScriptRenameForm(forms.Form):
    name = ScriptCreateForm.base_fields["name"]  # the same rules as at creation


class VersionForm(forms.Form):
    source = forms.CharField(strip=False, widget=forms.Textarea, label=_("Source"))


class AgentChoiceForm(forms.Form):
    agent = Int64FormField(min_value=1, required=False)


class RotationForm(forms.Form):
    mount = Int64FormField(min_value=1)


class RunForm(forms.Form):
    mode = forms.ChoiceField(choices=[("day", "day"), ("fill", "fill")])
