"""No remote asset anywhere (issue 14): the platform works offline and tells no third party
who reads which page. Every page a visitor, a signed-in user and an operator reach, the API
docs included, every static file they load and every file under static/ is searched for
http(s) URLs to another host; then a real Chromium opens the pages and no request may leave."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory
from web.tests.remote_urls import (
    LOCAL_HOSTS,
    css_references,
    referenced_static,
    remote_urls,
    static_file,
    third_party_urls,
)

STATIC_DIR = Path(settings.STATICFILES_DIRS[0])
VENDOR_DIR = STATIC_DIR / "vendor"
SCANNED = {".html", ".css", ".js", ".mjs", ".svg"}
VISITOR_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/docs/",
                 "/docs/agents/household/", "/api/docs/", "/api/redoc/"]
USER_PAGES = ["/", "/dashboard/", "/scripts/", "/scripts/{script}/", "/notifications/",
              "/accounts/profile/", "/docs/", "/api/docs/", "/api/redoc/"]
OPERATOR_PAGES = ["/operator/", "/admin/", "/admin/simulations/simulation/"]


def _third_party(path: Path) -> bool:
    """Vendored libraries and the packages' own static files (admin, the API docs' bundles)."""
    return not path.is_relative_to(STATIC_DIR) or path.is_relative_to(VENDOR_DIR)


def _pages(client, pages: list[str], **ids: int) -> dict[str, str]:
    html = {}
    for page in pages:
        url = page.format(**ids)
        response = client.get(url)
        assert response.status_code == 200, url
        html[url] = response.content.decode()
    return html


@pytest.fixture
def crawled(client, script, household) -> dict[str, str]:
    """Every page's HTML, as a visitor, the owner of an agent and a script, and an operator."""
    pages = {f"visitor {url}": html for url, html in _pages(client, VISITOR_PAGES).items()}
    client.force_login(script.owner)
    pages |= {f"user {url}": html
              for url, html in _pages(client, USER_PAGES, script=script.pk).items()}
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    pages |= {f"operator {url}": html for url, html in _pages(client, OPERATOR_PAGES).items()}
    return pages


def test_no_page_and_no_static_file_names_another_host(crawled):
    offenders: dict[str, set[str]] = {}
    for page, html in crawled.items():
        if found := remote_urls(html, ".html"):
            offenders[page] = found
    files = {p for p in STATIC_DIR.rglob("*") if p.suffix in SCANNED}
    for html in crawled.values():
        for url in referenced_static(html):
            path = static_file(url)
            assert path is not None, f"{url} is linked but no such static file exists"
            files.add(path)
    for css in [p for p in files if p.suffix == ".css"]:
        files |= css_references(css)
    allowed = third_party_urls()
    for path in files:
        if path.suffix not in SCANNED:
            continue
        found = remote_urls(path.read_text(errors="replace"), path.suffix)
        if _third_party(path):
            found -= allowed
        if found:
            offenders[str(path)] = found
    assert not offenders, "\n".join(f"{where}: {sorted(urls)}" for where, urls in
                                    sorted(offenders.items()))
    assert len(files) > 30  # the scan reached the vendored and the packages' files


def test_the_scan_finds_what_it_must():
    assert remote_urls('<link href="https://fonts.example.net/css">', ".html") == {
        "https://fonts.example.net/css"}
    assert remote_urls("<img src='//cdn.example.net/logo.svg'>", ".html") == {
        "https://cdn.example.net/logo.svg"}
    assert remote_urls('a{background:url("https://x.example.net/a.png")}', ".css") == {
        "https://x.example.net/a.png"}
    assert remote_urls('e("img",{src:"https://cdn.example.net/l.svg"})', ".js") == {
        "https://cdn.example.net/l.svg"}
    assert remote_urls("// see https://example.net/why\n/* https://example.net/lic */", ".js") \
        == set()
    assert remote_urls('<svg xmlns="http://www.w3.org/2000/svg">', ".svg") == set()
    assert remote_urls('<a href="http://testserver/docs/">', ".html") == set()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_requests_nothing_from_another_host(live_server, script, household):
    from django.test import Client

    from econsim_project.testing import headless_chromium

    client = Client()
    client.force_login(script.owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    pages = [*VISITOR_PAGES, None, *(p.format(script=script.pk) for p in USER_PAGES)]
    requested: list[str] = []
    remote: list[str] = []
    errors: list[str] = []

    def route(request_route):
        url = request_route.request.url
        requested.append(url)
        if urlsplit(url).scheme in ("http", "https") and \
                urlsplit(url).hostname not in LOCAL_HOSTS:
            remote.append(url)
            request_route.abort()
        else:
            request_route.continue_()

    with headless_chromium() as browser:
        context = browser.new_context()
        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
        for path in pages:
            if path is None:  # from here on, signed in
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                                      "url": live_server.url}])
                continue
            page.goto(live_server.url + path, wait_until="networkidle")
            if path.startswith("/api/redoc/"):  # drawn from the schema: wait for the sidebar
                page.get_by_text("API docs by Redocly").wait_for()
                page.wait_for_load_state("networkidle")
        context.close()
    assert not remote, remote
    assert not errors, errors
    assert any("/static/vendor/redoc/redoc.standalone.js" in url for url in requested)
