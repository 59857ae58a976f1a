"""The API's input caps at their exact edges: a body of exactly API_MAX_BODY_BYTES is read and
one byte more is refused; JSON nested exactly API_JSON_MAX_DEPTH containers deep (the default)
is parsed and one level more is refused.

The body cap is set to 1,000 bytes here: at its default (4 MiB) a JSON body is stopped earlier
by Django's own DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB, the same 413 `too_large`), so the
middleware's edge is only reachable below Django's."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from econsim_project.json_input import JsonInputError, json_loads_checked

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body_of(size: int) -> bytes:
    """A valid profile update of exactly `size` bytes (JSON whitespace as padding)."""
    body = b'{"nickname": "edge"}'
    return body[:-1] + b" " * (size - len(body)) + b"}"


@pytest.mark.parametrize("chunked", [False, True], ids=["content_length", "chunked"])
@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 413)])
def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_refused(owner, settings,
                                                                       chunked, extra, status):
    settings.API_MAX_BODY_BYTES = 1000
    body = _body_of(settings.API_MAX_BODY_BYTES + extra)
    headers = ({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body)}
               if chunked else {})
    response = _client(owner).generic("PATCH", "/api/me/", b"" if chunked else body,
                                      content_type="application/json", **headers)
    assert response.status_code == status, response.content[:300]
    if status == 200:
        assert response.json()["nickname"] == "edge"
    else:
        assert response.json()["errors"][0]["rule"] == "too_large"


def _nested(containers: int) -> str:
    """A JSON object holding lists, `containers` containers deep in all."""
    return '{"nickname": "edge", "x": ' + "[" * (containers - 1) + "]" * (containers - 1) + "}"


def test_json_nested_exactly_the_cap_parses_and_one_level_more_is_too_deep():
    depth = settings.API_JSON_MAX_DEPTH
    assert json_loads_checked(_nested(depth), max_depth=depth)["nickname"] == "edge"
    with pytest.raises(JsonInputError) as refused:
        json_loads_checked(_nested(depth + 1), max_depth=depth)
    assert refused.value.rule == "too_deep"
    assert refused.value.field == "x" + ".0" * (depth - 1)


@pytest.mark.parametrize(("extra", "too_deep"), [(0, False), (1, True)])
def test_the_api_answers_too_deep_only_past_the_json_depth_cap(owner, extra, too_deep):
    body = _nested(settings.API_JSON_MAX_DEPTH + extra)
    response = _client(owner).patch("/api/me/", body, content_type="application/json")
    rules = [e["rule"] for e in response.json().get("errors", [])]
    assert ("too_deep" in rules) is too_deep, json.dumps(response.json())[:300]
