"""The script-author docs are generated from the engine's schemas and stay in step with them."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from scripts_lib.sandbox.runner import ALLOWED_MODULES, MAX_DEPTH
from simulations.engine.schema import AGENT_TYPES, schema_document
from simulations.engine.world import PHASES
from web.docs_content import TICK_PHASES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
def test_each_agent_page_lists_every_decision_key_and_observation_field(client, agent_type):
    html = client.get(f"/docs/agents/{agent_type}/").content.decode()
    spec = schema_document()["agent_types"][agent_type]
    for field in spec["decision"]:
        assert f"<code>{field['name']}</code>" in html, field["name"]
        if "range" in field:
            assert escape(field["range"]) in html
    for part in spec["observation"].values():
        for field in part:
            assert f"<code>{field['name']}</code>" in html, field["name"]


def test_overview_explains_contract_tick_order_sandbox_and_examples(client):
    response = client.get("/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "def decide(obs):" in html
    for code, _, _ in TICK_PHASES:
        assert f"<code>{code}</code>" in html
    for module in ALLOWED_MODULES:
        assert f"<code>{module}</code>" in html
    assert html.count('class="copy-button"') >= 3
    assert "Buffer-stock household" in html and "Inventory-driven firm" in html
    assert f"at most {MAX_DEPTH} levels of nesting" in html  # what makes output bad_output


def test_the_storable_output_rule_is_translated(client):
    html = client.get("/docs/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert f"嵌套不超过 {MAX_DEPTH} 层" in html


def test_documented_tick_order_matches_the_engine():
    documented = [code for code, _, _ in TICK_PHASES]
    assert documented == ["P0", *[code for code, _ in PHASES], "P10"]


def test_unknown_agent_type_is_404(client):
    assert client.get("/docs/agents/dragon/").status_code == 404


def test_docs_load_vendored_highlighting_not_a_cdn(client):
    html = client.get("/docs/").content.decode()
    assert "/static/vendor/highlight/highlight.min.js" in html
    assert "cdn" not in html.lower()


def test_the_translatable_schema_strings_are_in_step_with_the_engine():
    from web.schema_i18n import SCHEMA_STRINGS
    from web.schema_text import schema_strings

    assert set(SCHEMA_STRINGS) == schema_strings(schema_document()), (
        "run scripts/gen-schema-i18n and translate the new strings")
