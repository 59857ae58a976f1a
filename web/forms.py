"""Form input of the product pages; services' errors reach them through
econsim_project.field_errors."""

from __future__ import annotations

from urllib.parse import urlencode

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

    def clean(self) -> dict:
        data = super().clean()
        for low, high, message in (
                ("tick_from", "tick_to", _("The tick range is inverted: no tick lies from tick "
                                           "%(low)s to tick %(high)s. Put the earlier tick "
                                           "first.")),
                ("day_from", "day_to", _("The day range is inverted: no tick lies from day "
                                         "%(low)s to day %(high)s. Put the earlier day first."))):
            if data.get(low) is not None and data.get(high) is not None \
                    and data[low] > data[high]:
                self.add_error(None, message % {"low": data[low], "high": data[high]})
        return data

    def error_text(self) -> str:
        """Every error in one line, each field's named by its label (the page shows it)."""
        return " ".join(str(error) if name == "__all__" else f"{self[name].label}: {error}"
                        for name, errors in self.errors.items() for error in errors)

    def query(self) -> str:
        """The valid range as a query string (the CSV links of a page drawn without JS)."""
        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode({k: v for k, v in self.cleaned_data.items() if v is not None})


class ScriptCreateForm(forms.Form):
    name = forms.CharField(max_length=80, label=_("Name"))
    agent_type = forms.ChoiceField(choices=AgentType.choices, label=_("Agent type"))


class ScriptRenameForm(forms.Form):
    name = ScriptCreateForm.base_fields["name"]  # the same rules as at creation


class ScriptHideNameForm(forms.Form):
    hide_name = forms.BooleanField(required=False,
                                   label=_("Hide this script's name on leaderboards"))


class VersionForm(forms.Form):
    source = forms.CharField(strip=False, widget=forms.Textarea, label=_("Source"))


class AgentChoiceForm(forms.Form):
    agent = Int64FormField(min_value=1, required=False)


class RotationForm(forms.Form):
    mount = Int64FormField(min_value=1)


class RunForm(forms.Form):
    mode = forms.ChoiceField(choices=[("day", "day"), ("fill", "fill")])


class AgentHistoryForm(forms.Form):
    """The agent page's filters (all optional) and its page position."""

    tick_from = Int64FormField(min_value=0, required=False, label=_("From tick"))
    tick_to = Int64FormField(min_value=0, required=False, label=_("To tick"))
    market = forms.ChoiceField(required=False, label=_("Market"))
    kind = forms.ChoiceField(required=False, label=_("Kind"))
    version = Int64FormField(min_value=1, required=False, label=_("Version"))
    outcome = forms.ChoiceField(required=False, label=_("Outcome"))
    cursor = forms.CharField(max_length=64, required=False)

    def __init__(self, *args, markets: dict, kinds: dict, outcomes: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, table in (("market", markets), ("kind", kinds), ("outcome", outcomes)):
            self.fields[name].choices = [("", _("all"))] + [(k, str(v))
                                                            for k, v in table.items()]

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("tick_from"), data.get("tick_to")
        if low is not None and high is not None and low > high:
            self.add_error(None, _("The tick range is inverted: no tick lies from tick "
                                   "%(low)s to tick %(high)s. Put the earlier tick first.")
                           % {"low": low, "high": high})
        return data

    def error_text(self) -> str:
        return " ".join(str(error) if name == "__all__" else f"{self[name].label}: {error}"
                        for name, errors in self.errors.items() for error in errors)
