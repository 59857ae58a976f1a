"""Every limit of the site identifies a client the same way, and never by a header the client
can rotate unless trusted proxies wrote it."""

from __future__ import annotations

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

from econsim_project.client_ip import client_ip


def _request(forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **extra)


@pytest.mark.parametrize(("count", "forwarded", "expected"), [
    (0, "198.51.100.7", "192.0.2.1"),  # default: the header is ignored
    (0, None, "192.0.2.1"),
    (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the hop our proxy appended
    (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    (2, "198.51.100.7", "192.0.2.1"),  # fewer hops than proxies: not through our chain
    (1, "not-an-address", "192.0.2.1"),
    (1, None, "192.0.2.1"),
    (1, " 2001:db8::1 ", "2001:db8::1"),
])
def test_the_client_is_the_hop_our_own_proxies_saw(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded)) == expected


def test_allauths_login_limits_see_the_same_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert get_adapter().get_client_ip(_request("198.51.100.7")) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert get_adapter().get_client_ip(_request("6.6.6.6, 198.51.100.7")) == "198.51.100.7"
