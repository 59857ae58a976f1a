"""Hostile inputs of issue 12 that used to end in a 500 (or an HTML error): each is now a 4xx
JSON body in the project's shape, naming the field and the rule, and nothing is written."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from econsim_project.fields import BIGINT_MAX, BIGINT_MIN

pytestmark = pytest.mark.django_db

HISTORY_TABLES = ["tick_logs", "aggregates", "audit", "snapshots", "ledger", "trades"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def simulation(owner):
    from simulations.models import Agent, Simulation

    sim = Simulation.objects.create(name="hostile", seed=1, ticks_per_day=2,
                                    config={"n_households": 50, "n_firms": 5, "n_banks": 2})
    Agent.objects.create(simulation=sim, agent_type="household", engine_id=1, owner=owner)
    return sim


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _error(response, status: int) -> dict[str, str]:
    """The one error of a project-shaped body, after checking the shape."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"status", "code", "message", "errors"}
    assert body["status"] == status
    assert body["errors"], body
    return body["errors"][0]


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_offset_beyond_bigint_is_a_400_naming_offset(owner, simulation, table):
    url = f"/api/simulations/{simulation.pk}/history/{table}/"
    response = _client(owner).get(url, {"offset": str(2**63)})
    assert _error(response, 400) == {"field": "offset", "rule": "max_value",
                                     "message": f"Ensure this value is less than or equal to "
                                                f"{BIGINT_MAX}."}


@pytest.mark.parametrize("param", ["tick_from", "tick_to", "limit"])
def test_history_integer_filters_beyond_bigint_are_400s(owner, simulation, param):
    url = f"/api/simulations/{simulation.pk}/history/tick_logs/"
    response = _client(owner).get(url, {param: "9" * 40})
    assert _error(response, 400)["field"] == param


@pytest.mark.parametrize("value", ["²", "١٢", "1 ", " 1", "+1", "1.0", "0x1"])
def test_agents_owner_must_be_ascii_digits(owner, simulation, value):
    response = _client(owner).get(f"/api/simulations/{simulation.pk}/agents/", {"owner": value})
    assert _error(response, 400)["field"] == "owner"


def test_agents_owner_beyond_bigint_is_a_400(owner, simulation):
    response = _client(owner).get(f"/api/simulations/{simulation.pk}/agents/",
                                  {"owner": str(2**63)})
    assert _error(response, 400) == {"field": "owner", "rule": "max_value",
                                     "message": f"Ensure this value is less than or equal to "
                                                f"{BIGINT_MAX}."}


def test_agents_page_beyond_bigint_is_a_404_not_a_500(owner, simulation):
    response = _client(owner).get(f"/api/simulations/{simulation.pk}/agents/",
                                  {"page": "9" * 30})
    assert _error(response, 404)["rule"] == "not_found"


@pytest.mark.parametrize("value", ["²", "٣", "9" * 30])
def test_history_agent_filter_is_strict_ascii_and_bounded(owner, simulation, value):
    url = f"/api/simulations/{simulation.pk}/history/ledger/"
    response = _client(owner).get(url, {"agent": f"household:{value}"})
    assert _error(response, 400)["field"] == "agent"


def test_json_body_nested_3000_deep_is_a_400_too_deep(owner):
    from accounts.models import Profile

    body = '{"nickname": ' + "[" * 3000 + "]" * 3000 + "}"
    response = _client(owner).patch("/api/me/", body, content_type="application/json")
    assert _error(response, 400)["rule"] == "too_deep"
    assert not Profile.objects.filter(user=owner).exclude(nickname="").exists()


def test_json_nesting_cap_is_a_setting(owner, settings):
    settings.API_JSON_MAX_DEPTH = 3
    body = '{"nickname": [[["x"]]]}'
    response = _client(owner).patch("/api/me/", body, content_type="application/json")
    assert _error(response, 400) == {
        "field": "nickname.0.0", "rule": "too_deep",
        "message": "JSON nested deeper than 3 levels."}


def test_json_integer_beyond_int64_names_its_path(operator, simulation):
    body = ('{"type": "income", "params": {"cents_per_household": ' + str(2**64)
            + '}, "target": {"all": true}}')
    response = _client(operator).post(f"/api/simulations/{simulation.pk}/shocks/", body,
                                      content_type="application/json")
    assert _error(response, 400)["field"] == "params.cents_per_household"
    assert _error(response, 400)["rule"] == "max_value"


def test_json_non_finite_number_is_a_400(owner):
    response = _client(owner).patch("/api/me/", '{"nickname": 1e999}',
                                    content_type="application/json")
    assert _error(response, 400) == {"field": "nickname", "rule": "finite",
                                     "message": "Numbers must be finite."}


def test_shock_start_tick_beyond_bigint_is_a_400_and_nothing_is_written(operator, simulation):
    from simulations.models import Shock

    response = _client(operator).post(
        f"/api/simulations/{simulation.pk}/shocks/",
        {"type": "income", "params": {"cents_per_household": 5}, "start_tick": 2**63},
        format="json")
    assert _error(response, 400)["field"] == "start_tick"
    assert not Shock.objects.exists()


def test_admin_shock_start_tick_beyond_bigint_is_a_form_error(client, operator, simulation):
    from simulations.models import Shock

    client.force_login(operator)
    response = client.post("/admin/simulations/simulation/", {
        "action": "apply_shock", "_selected_action": [simulation.pk], "apply": "1",
        "type": "income", "params": '{"cents_per_household": 5}', "duration_ticks": "1",
        "target": '{"all": true}', "start_tick": str(2**63)})
    assert response.status_code == 200
    assert "start_tick" in response.context["form"].errors
    assert not Shock.objects.exists()


@pytest.mark.parametrize("source", [
    "x = " + "-" * 20_000 + "1\n",
    "x = " + "1+" * 15_000 + "1\n",
    "x = " + "[" * 5_000 + "]" * 5_000 + "\n",
    "x = " + "(" * 300 + ")" * 300 + "\n",
    "x = a" + ".b" * 5_000 + "\n",
    "x = f()" + "()" * 2_000 + "\n",
    "x = " + "not " * 3_000 + "1\n",
], ids=["unary-minus", "long-sum", "brackets", "parens", "attributes", "calls", "nots"])
def test_script_source_that_exhausts_the_parser_is_too_complex(owner, source):
    from scripts_lib.models import Script, ScriptVersion

    client = _client(owner)
    script = client.post("/api/scripts/", {"name": "deep", "agent_type": "household"},
                         format="json").json()
    response = client.post(f"/api/scripts/{script['id']}/versions/",
                           {"source": source + "def decide(obs):\n    return {}\n"},
                           format="json")
    error = _error(response, 400)
    assert (error["field"], error["rule"]) == ("source", "too_complex")
    assert not ScriptVersion.objects.filter(script=Script.objects.get()).exists()


def test_a_body_over_the_cap_is_refused_from_its_content_length_before_reading(owner, settings):
    class Unreadable(io.RawIOBase):
        def read(self, *args: object) -> bytes:
            raise AssertionError("the body was read")

    settings.API_MAX_BODY_BYTES = 1000
    client = _client(owner)
    response = client.generic("PATCH", "/api/me/", b"", content_type="application/json",
                              CONTENT_LENGTH=str(100 * 2**20), **{"wsgi.input": Unreadable()})
    assert _error(response, 413) == {
        "field": "body", "rule": "too_large",
        "message": "The request body is 104857600 bytes; at most 1000 allowed."}


def test_a_chunked_body_is_cut_at_the_cap_while_streaming(owner, settings):
    settings.API_MAX_BODY_BYTES = 1000
    stream = io.BytesIO(b'{"nickname": "' + b"x" * 5000 + b'"}')
    response = _client(owner).generic(
        "PATCH", "/api/me/", b"", content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": stream})
    assert _error(response, 413)["rule"] == "too_large"
    assert stream.tell() == 1001  # read no further than one byte past the cap


def test_a_chunked_body_within_the_cap_is_read(owner, settings):
    settings.API_MAX_BODY_BYTES = 1000
    stream = io.BytesIO(b'{"nickname": "chunky"}')
    response = _client(owner).generic(
        "PATCH", "/api/me/", b"", content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": stream})
    assert response.status_code == 200
    assert response.json()["nickname"] == "chunky"


def test_a_body_of_legal_size_over_djangos_own_limit_is_a_json_error(owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = _client(owner).generic("POST", "/api/auth/token/",
                                      "username=" + "a" * 200,
                                      content_type="application/x-www-form-urlencoded")
    assert _error(response, 413)["field"] == "body"


def test_malformed_multipart_is_a_json_400(owner):
    response = _client(owner).generic("PATCH", "/api/me/", b"--x\r\nnot a part",
                                      content_type="multipart/form-data")
    assert _error(response, 400)["field"] == "body"


def test_unsupported_media_type_and_not_acceptable_are_json(owner):
    client = _client(owner)
    assert _error(client.generic("PATCH", "/api/me/", b"x", content_type="text/plain"),
                  415)["rule"] == "unsupported_media_type"
    assert _error(client.get("/api/me/", HTTP_ACCEPT="text/csv"), 406)["rule"] == "not_acceptable"


def test_csrf_failure_under_api_is_a_json_403(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.patch("/api/me/", {"nickname": "x"}, format="json")
    assert _error(response, 403)["field"] == "detail"


def test_a_bad_host_under_api_is_a_json_400(owner):
    response = _client(owner).get("/api/me/", HTTP_HOST="evil.example")
    assert _error(response, 400) == {"field": "host", "rule": "disallowed_host",
                                     "message": "This host name is not served here."}


def test_an_error_is_json_even_when_csv_was_asked_for(owner, other_user, simulation):
    url = f"/api/simulations/{simulation.pk}/history/tick_logs/"
    assert _error(_client(owner).get(url, {"format": "csv", "limit": "x"}), 400)["field"] \
        == "limit"
    # a stranger is told what a missing simulation's reader is told
    assert _error(_client(other_user).get(url, HTTP_ACCEPT="text/csv"), 404)["rule"] \
        == "not_found"
    assert _error(_client(owner).get("/api/simulations/0/history/ledger/?format=csv"),
                  404)["rule"] == "not_found"


def _integer_inputs(schema: dict) -> Iterator[tuple[str, dict]]:
    """(where, schema) of every integer a client sends: query parameters and the properties of
    request bodies (path ids are looked up, and an id past bigint is a plain 404)."""
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] not in ("page", "page_size"):
                    yield f"{method} {path} ?{parameter['name']}", parameter["schema"]
            for media in operation.get("requestBody", {}).get("content", {}).values():
                body = media["schema"]
                if "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[1]]
                for name, prop in body.get("properties", {}).items():
                    yield f"{method} {path} {name}", prop


def test_every_integer_a_client_sends_is_bounded_to_bigint_in_the_schema(api_client):
    response = api_client.get("/api/schema/?format=json")
    found = [(where, prop) for where, prop in _integer_inputs(response.json())
             if prop.get("type") == "integer"]
    assert len(found) > 20
    unbounded = [where for where, prop in found
                 if not (BIGINT_MIN <= prop.get("minimum", BIGINT_MIN - 1) <= BIGINT_MAX
                         and BIGINT_MIN <= prop.get("maximum", BIGINT_MAX + 1) <= BIGINT_MAX)]
    assert unbounded == []


def test_admin_json_fields_refuse_deep_nesting_on_the_field(client, operator, simulation):
    from simulations.models import Shock

    client.force_login(operator)
    response = client.post("/admin/simulations/simulation/", {
        "action": "apply_shock", "_selected_action": [simulation.pk], "apply": "1",
        "type": "income", "params": "[" * 5000 + "]" * 5000, "duration_ticks": "1",
        "target": '{"all": true}'})
    assert response.status_code == 200
    assert response.context["form"].errors == {"params": ["body: JSON nested deeper than 64 "
                                                           "levels."]}
    created = client.post("/admin/simulations/simulation/add/", {
        "name": "deep", "scenario": "baseline", "config": '{"a": ' + "[" * 5000 + "]" * 5000
        + "}", "seed": "1", "ticks_per_day": "2", "max_agents_per_user": "3",
        "status": "paused", "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0"})
    assert created.status_code == 200
    assert "config" in created.context["adminform"].form.errors
    assert not Shock.objects.exists()


def _asgi_call(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[list, int]:
    """Drive the ASGI application: (messages sent, body chunks it received)."""
    import asyncio

    from econsim_project.asgi import application

    received, sent = 0, []

    async def receive() -> dict:
        nonlocal received
        if received == len(chunks):  # Django then listens for a disconnect: none comes
            await asyncio.Event().wait()
        received += 1
        return {"type": "http.request", "body": chunks[received - 1],
                "more_body": received < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "PATCH", "scheme": "http", "path": "/api/me/", "raw_path": b"/api/me/",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver"),
                                                               *headers],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    asyncio.run(application(scope, receive, send))
    return sent, received


def test_asgi_refuses_a_declared_length_over_the_cap_without_receiving(settings):
    settings.API_MAX_BODY_BYTES = 1000
    sent, received = _asgi_call([(b"content-length", str(100 * 2**20).encode())], [b"x"])
    assert received == 0
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["errors"][0]["rule"] == "too_large"


def test_asgi_cuts_a_streamed_body_at_the_cap(settings):
    settings.API_MAX_BODY_BYTES = 1000
    sent, received = _asgi_call([], [b"x" * 600] * 50)
    assert received == 2  # the second chunk passed the cap: nothing more was taken
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["errors"][0]["field"] == "body"


def test_asgi_serves_a_body_within_the_cap(settings):
    settings.API_MAX_BODY_BYTES = 1000
    sent, received = _asgi_call([(b"content-type", b"application/json")], [b"{}"])
    assert received == 1
    assert sent[0]["status"] == 401  # reached the view: anonymous


def test_dashboard_series_range_beyond_bigint_is_a_400_on_the_field(client, owner):
    from simulations.models import Agent
    from simulations.services import simulation_create

    live = simulation_create(name="series", config={"n_households": 50, "n_firms": 5,
                                                    "n_banks": 2}, seed=1, ticks_per_day=2)
    Agent.objects.filter(simulation=live, agent_type="household", engine_id=1).update(
        owner=owner)
    client.force_login(owner)
    response = client.get(f"/dashboard/economy/{live.pk}/series/",
                          {"tick_from": str(2**63)})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["tick_from"]


@pytest.mark.parametrize("raw", [f"{2**63}.1", f"1.{2**63}", f"-{2**63 + 1}.1", "².1"])
@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_cursor_out_of_range_is_a_400_naming_cursor(owner, simulation, table, raw):
    import base64

    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    url = f"/api/simulations/{simulation.pk}/history/{table}/"
    assert _error(_client(owner).get(url, {"cursor": cursor}), 400)["field"] == "cursor"
