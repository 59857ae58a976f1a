from __future__ import annotations

import pytest
import yaml

pytestmark = pytest.mark.django_db

TABLES = ("tick_logs", "trades", "ledger", "snapshots", "aggregates", "audit")


def test_openapi_schema_lists_every_history_endpoint_with_its_filters(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    paths = yaml.safe_load(response.content)["paths"]
    prefix = "/api/simulations/{simulation_id}/history/"
    for table in TABLES:
        operation = paths[f"{prefix}{table}/"]["get"]
        params = {p["name"] for p in operation["parameters"]}
        assert {"limit", "cursor", "offset", "format"} <= params, table
        assert set(operation["responses"]["200"]["content"]) == {"application/json",
                                                                 "text/csv"}
    ledger = {p["name"] for p in paths[f"{prefix}ledger/"]["get"]["parameters"]}
    assert {"tick_from", "tick_to", "kind", "account", "agent"} <= ledger
    assert "ticks" in {p["name"] for p in paths[f"{prefix}tick_logs/recent/"]["get"]["parameters"]}
