"""403, 404 and 500 are pages in the product layout (translated), served with DEBUG off; under
/api/ the same errors stay JSON in the API's error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LAYOUT = ('class="topbar"', 'class="footer"', "/static/css/app.css")


def _page(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for part in LAYOUT:
        assert part in html, part
    assert f'data-testid="error-{status}"' in html
    assert "Traceback" not in html
    return html


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def test_a_missing_page_is_the_styled_404(client):
    html = _page(client.get("/no-such-page/"), 404)
    assert "Page not found" in html and "Back home" in html


def test_a_forbidden_page_is_the_styled_403(client):
    client.force_login(UserFactory(username="someone"))  # not an operator
    html = _page(client.get("/operator/"), 403)
    assert "You cannot open this page" in html
    assert 'data-testid="user-chip"' in html  # the layout of a signed-in user


@pytest.mark.urls("econsim_project.tests.error_urls")
def test_a_failing_view_is_the_styled_500():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="someone"))
    html = _page(client.get("/boom/"), 500)
    assert "Something went wrong on our side" in html
    assert "a bug" not in html  # no detail of the error
    assert 'data-testid="user-chip"' in html


@pytest.mark.urls("econsim_project.tests.error_urls")
def test_the_500_page_renders_even_when_the_layout_cannot_read_the_database(settings, caplog):
    templates = settings.TEMPLATES[0]
    processors = [*templates["OPTIONS"]["context_processors"],
                  "econsim_project.tests.error_urls.broken_database"]
    settings.TEMPLATES = [{**templates, "OPTIONS": {**templates["OPTIONS"],
                                                    "context_processors": processors}}]
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="someone"))
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and 'class="topbar"' in html
    assert 'data-testid="user-chip"' not in html  # rendered without the request
    assert "the 500 page failed with the request" in caplog.text


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/no-such-page/", 404, "页面不存在"),
    ("/operator/", 403, "你无法打开此页面"),
    ("/boom/", 500, "我们这边出了问题"),
])
@pytest.mark.urls("econsim_project.tests.error_urls")
def test_error_pages_are_translated(path, status, text):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(UserFactory(username="someone"))
    html = _page(client.get(path), status)
    assert text in html and 'lang="zh-hans"' in html


@pytest.mark.urls("econsim_project.tests.error_urls")
def test_api_errors_stay_json():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="someone"))
    for path, status, code in [("/api/no-such-endpoint/", 404, "not_found"),
                               ("/api/boom/", 500, "server_error")]:
        response = client.get(path)
        assert response.status_code == status, path
        assert response["Content-Type"] == "application/json", path
        body = response.json()
        assert (body["status"], body["code"]) == (status, code), body
        assert "a bug" not in response.content.decode()


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    html = client.get("/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.ico"' in html
