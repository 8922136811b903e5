"""The cookie jar every Client's httpx clients use: no cookie a server sets is kept, so none rides along later."""

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


def server_cookies_ignored(cookies: dict[str, str]) -> ServerCookiesIgnored:
    """A jar holding `cookies` (the generated Client's own, sent with every request) that keeps no other."""
    import httpx  # with the httpx client this jar is made for, not with `import sunco_keys`

    jar = ServerCookiesIgnored()
    httpx.Cookies(jar).update(cookies)  # httpx.Cookies wraps this very jar: each cookie is set as httpx sets it
    return jar
