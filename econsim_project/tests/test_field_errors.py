"""One error, three readers: the API's JSON, the admin's forms and the pages show the same
(field, rule, message) from one translator, user text with % signs included."""

from __future__ import annotations

import html

import pytest
from django import forms
from django.core.exceptions import ValidationError

from econsim_project.api_errors import api_exception_handler
from econsim_project.field_errors import (
    errors_text,
    field_error,
    field_errors,
    field_label,
    form_add_errors,
    page_errors,
)
from scripts_lib.models import Script
from scripts_lib.services import script_version_create
from simulations.engine import ConfigError

pytestmark = pytest.mark.django_db
NAME = "50% %(line)s %d"  # a % sign, a named format and a positional one: all plain text


def test_a_name_with_percent_signs_is_shown_as_typed_by_the_api_and_by_the_page(
        owner, owner_client, client):
    expected = f"You already have a script named {NAME!r}."
    body = {"name": NAME, "agent_type": "household"}
    assert owner_client.post("/api/scripts/", body, format="json").status_code == 201
    again = owner_client.post("/api/scripts/", body, format="json")
    assert again.status_code == 400
    assert again.json()["errors"] == [{"field": "name", "rule": "unique", "message": expected}]
    assert again.json()["message"] == f"name: {expected}"
    client.force_login(owner)
    page = client.post("/scripts/", body)
    assert page.status_code == 400
    assert page.context["form"].errors == {"name": [expected]}  # on the field it names
    assert html.escape(expected) in page.content.decode()


def test_a_source_error_keeps_its_rule_line_and_text_for_every_reader(owner):
    script = Script.objects.create(owner=owner, name="s", agent_type="household")
    source = "def decide(obs):\n    return {}\n\nimport os  # 100%\n"
    with pytest.raises(ValidationError) as caught:
        script_version_create(script=script, source=source, user=owner)
    message = ("line 4: import of 'os' is not allowed; allowed: math, statistics, random, json, "
               "collections, collections.abc, itertools, functools, dataclasses, operator, "
               "typing")
    [error] = field_errors(caught.value)
    assert (error.field, error.rule, error.message, error.line) == (
        "source", "forbidden_import", message, 4)
    api = api_exception_handler(caught.value, {}).data
    assert api["errors"] == [{"field": "source", "rule": "forbidden_import", "message": message}]
    assert page_errors(caught.value) == [{"field": "source", "label": "Source",
                                          "message": message, "labelled": f"Source: {message}",
                                          "line": 4,
                                          "text": message.removeprefix("line 4: ")}]


class _ParamsForm(forms.Form):
    params = forms.JSONField(required=False)
    ticks = forms.IntegerField(required=False)


@pytest.mark.parametrize(("error", "on_field", "text"), [
    (ConfigError("params.factor", "float in [0, 1] required"), "params",
     "factor: float in [0, 1] required"),
    (field_error("ticks", "out_of_range", "Between 1 and %(limit)s.", limit=10), "ticks",
     "Between 1 and 10."),
    (field_error("simulation", "archived", "The simulation is archived."), "__all__",
     "Simulation: The simulation is archived."),
    (ValidationError("Not now.", code="busy"), "__all__", "Not now."),
    (field_error("name", "unique", f"You already have a script named {NAME!r}."), "__all__",
     f"Name: You already have a script named {NAME!r}."),
])
def test_a_form_shows_each_error_on_the_field_it_names(error, on_field, text):
    form = _ParamsForm({})
    assert form.is_valid()
    form_add_errors(form, error)
    assert form.errors == {on_field: [text]}


@pytest.mark.parametrize(("field", "label"), [
    ("agent", "Agent"), ("script_version", "Script version"), ("time_utc", "Time (UTC)"),
    ("params.factor", "Parameters (factor)"), ("ticks_per_day", "Ticks per day"),
    ("household_labour", "Household labour"),  # not in the table: its name, readable
])
def test_a_field_reads_as_its_human_label(field, label):
    assert field_label(field) == label


def test_a_pages_message_is_sentences_after_human_labels():
    exc = ValidationError({
        "agent": [ValidationError("Another user has claimed this agent.", code="taken")],
        "script_version": [ValidationError("No script version %(id)s of yours.",
                                           code="does_not_exist", params={"id": 9})]})
    assert errors_text(exc) == ("Agent: Another user has claimed this agent. "
                                "Script version: No script version 9 of yours.")
    assert [e["label"] for e in page_errors(exc)] == ["Agent", "Script version"]


def test_labels_speak_the_pages_language():
    from django.utils import translation

    exc = field_error("agent", "taken", "Another user has claimed this agent.")
    with translation.override("zh-hans"):
        # a full-width colon after the label
        assert errors_text(exc) == "主体\uff1aAnother user has claimed this agent."
