from __future__ import annotations

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_endpoint(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/auth/token/", "/api/me/", "/api/health/"):
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/me/"]) >= {"get", "patch"}
    assert set(schema["paths"]["/api/auth/token/"]) >= {"post", "delete"}


def test_api_docs_are_served_from_our_own_static_files(api_client):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist" in s for s in sources)
    assert not [s for s in sources if s.startswith(("http://", "https://", "//"))]


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0] == {
        "field": "path",
        "rule": "not_found",
        "message": "No API endpoint at /api/no-such-thing/.",
    }


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_wrong_method_is_a_405_naming_the_rule(owner_client):
    response = owner_client.put("/api/me/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["errors"][0]["rule"] == "method_not_allowed"


def test_health_reports_each_part(api_client):
    body = api_client.get("/api/health/").json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    assert body["status"] in {"ok", "degraded"}


def test_collectstatic_builds_the_hashed_manifest_production_serves(tmp_path, settings):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert re.search(r'"css/app.css": "css/app\.[0-9a-f]{12}\.css"', manifest)
    assert list(tmp_path.glob("css/app.*.css.gz"))
