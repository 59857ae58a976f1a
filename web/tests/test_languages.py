"""English and Simplified Chinese: the switcher changes the language of every page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_switching_to_simplified_chinese_translates_the_site(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/docs/"},
                           follow=True)
    html = response.content.decode()
    assert re.search(r'<html lang="zh-hans"', html)
    assert "编写策略脚本" in html  # the docs title
    assert "文档" in html  # the top bar
    home = client.get("/").content.decode()
    assert "运行一个经济体" in home


def test_english_is_the_default(client):
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Run an economy. Script its agents." in html


def test_browser_language_is_honoured(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in html
