"""Finds http(s) URLs to other hosts in HTML, CSS and JS: what a page or static file could make
a browser fetch from outside the platform (test_no_remote_assets)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders

URL = re.compile(r"https?://[^\s\"'<>()\\`]+")
# A protocol-relative address in an attribute or a CSS url(): //host/path.
RELATIVE_URL = re.compile(r"""(?:=\s*["']|url\(\s*["']?)(//[^"'()\s]+)""")
LOCAL_HOSTS = {"testserver", "localhost", "127.0.0.1"}
# Names, never fetched: XML namespaces and JSON Schema dialect identifiers.
IDENTIFIERS = ("http://www.w3.org/", "https://www.w3.org/", "http://json-schema.org/",
               "https://json-schema.org/")
# URLs that third-party bundles carry as text (links in error messages and attributions,
# specification references, schema ids), one per line; see the file's comments.
THIRD_PARTY = Path(__file__).parent / "data" / "third_party_urls.txt"
STATIC_REF = re.compile(r"""(?:src|href)=["'](/static/[^"'?#]+)""")
CSS_REF = re.compile(r"""url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""")

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# A line comment starts at a line start or after blank/;{} (so "http://" is never one).
_LINE_COMMENT = re.compile(r"(?:^|(?<=[\s;{}]))//[^\n]*", re.M)


def without_comments(text: str, suffix: str) -> str:
    if suffix in (".html", ".svg"):
        return _HTML_COMMENT.sub("", text)
    text = _BLOCK_COMMENT.sub("", text)
    return _LINE_COMMENT.sub("", text) if suffix in (".js", ".mjs") else text


def third_party_urls() -> set[str]:
    lines = THIRD_PARTY.read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def remote_urls(text: str, suffix: str) -> set[str]:
    found = set()
    text = without_comments(text, suffix)
    for url in URL.findall(text) + ["https:" + url for url in RELATIVE_URL.findall(text)]:
        if url.startswith(IDENTIFIERS) or urlsplit(url).hostname in LOCAL_HOSTS:
            continue
        found.add(url)
    return found


def static_file(url: str) -> Path | None:
    """The file a /static/ URL serves (through the finders, as the test servers do)."""
    found = finders.find(url.removeprefix("/static/"))
    return Path(found) if found else None


def referenced_static(html: str) -> set[str]:
    return set(STATIC_REF.findall(html))


def css_references(css_path: Path) -> set[Path]:
    """Local files a stylesheet loads (fonts, images, imported sheets)."""
    refs = set()
    for match in CSS_REF.finditer(without_comments(css_path.read_text(errors="replace"),
                                                   ".css")):
        target = (match.group(1) or match.group(2)).strip()
        if target.startswith(("data:", "http:", "https:", "//", "#")):
            continue
        path = (css_path.parent / target.split("?")[0].split("#")[0]).resolve()
        if path.is_file():
            refs.add(path)
    return refs
