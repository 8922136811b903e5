"""The cookie jar `connect()` installs: no cookie a server sets is kept, so none rides along on later calls."""

from __future__ import annotations

import http.cookiejar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from http.client import HTTPResponse
    from urllib.request import Request


class ServerCookiesIgnored(http.cookiejar.CookieJar):
    """A CookieJar that keeps nothing from responses; cookies set on the client by hand are still sent.

    The API authenticates every call with its key and sets no cookie; one set by a proxy or load balancer would
    otherwise be sent back on every later call, which neither the official SDK (urllib3) nor the aiohttp backend
    (aiohttp's DummyCookieJar) ever does. Not parsing them also saves ~20 µs a call (bench/notes.md).
    """

    def extract_cookies(self, response: HTTPResponse, request: Request) -> None:
        """Keep no cookie of `response`."""
