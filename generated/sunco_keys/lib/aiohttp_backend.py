"""The async backend on aiohttp: httpx-aiohttp's transport on a pool set up as httpx's own, its failures named as
httpx's own transport names them.

httpx-aiohttp maps every aiohttp connection failure that is not a timeout to `httpx.ConnectTimeout`: a refused
connection, a server that hung up before answering, a reset. The transport calling this renames them by what
happened, as httpcore does, so that a TransportError says the same on every backend. It matters most for a POST:
"ConnectTimeout" reads as "never sent", while a server that hung up may have created the key.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import aiohttp
import httpx
from aiohttp.client_middlewares import ClientHandlerType, ClientMiddlewareType
from httpx_aiohttp import AiohttpTransport

# Where aiohttp starts quoting the answer in the text of its failure: a bytes or str literal.
_QUOTE = re.compile(r"""b?['"]""")
# httpcore's words for a server that closed the connection before a whole response head.
DISCONNECTED = "Server disconnected without sending a response."
# The longest response head line taken, as httpcore takes a whole head of up to 100 KiB (aiohttp's default, 8190
# bytes, refused a 201 that carried a load balancer's 9 KB cookie: the key made, its secret lost).
MAX_HEAD_LINE = 100 * 1024


def async_transport(options: dict[str, Any]) -> httpx.AsyncBaseTransport:
    """httpx-aiohttp's transport with httpx's pool limits, keep-alive expiry, TLS settings and proxy (`options` are
    httpx.AsyncHTTPTransport's), no cookie jar, and no retry of aiohttp's own."""
    proxy: httpx.Proxy | None = options.get("proxy")
    middlewares: tuple[ClientMiddlewareType, ...] = ()
    if proxy is not None and proxy.auth:
        # httpx-aiohttp would hand aiohttp the credentials as a BasicAuth, which aiohttp deprecates: they go as the
        # header instead, among the proxy's headers (sent in a tunnel's CONNECT), and in a request the proxy forwards.
        user, password = proxy.auth
        authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        proxy = _AuthorizedProxy(proxy.url, headers={**proxy.headers, "Proxy-Authorization": authorization})
        options = {**options, "proxy": proxy}
        middlewares = (_proxy_authorization(authorization),)
    transport = AiohttpTransport(**options)
    limits: httpx.Limits = transport.limits

    def session() -> aiohttp.ClientSession:
        # httpx keeps the cookies (client.cookies); a second jar inside aiohttp would resend them unseen.
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0, keepalive_timeout=limits.keepalive_expiry, ssl=transport.ssl_context
        )
        client = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            max_line_size=MAX_HEAD_LINE,
            max_field_size=MAX_HEAD_LINE,
            middlewares=middlewares,
        )
        # aiohttp silently sends a GET or DELETE again when a reused connection drops it (no flag for it; its
        # own test client clears this attribute too): retries are the RetryPolicy's alone, as in sync calls.
        client._retry_connection = False
        return client

    transport.client = session
    return transport


class _AuthorizedProxy(httpx.Proxy):
    """An httpx.Proxy carrying its credentials as a header, which httpx.Proxy's own repr would show."""

    def __repr__(self) -> str:
        return f"Proxy({str(self.url)!r}, headers=<{len(self.headers)}, Proxy-Authorization masked>)"


def _proxy_authorization(value: str) -> ClientMiddlewareType:
    """Adds the proxy's Proxy-Authorization to a plain-http request it forwards (aiohttp sends the proxy's headers
    only in a tunnel's CONNECT); never to a request inside a tunnel, which the API itself reads."""

    async def authorized(request: aiohttp.ClientRequest, handler: ClientHandlerType) -> aiohttp.ClientResponse:
        if request.proxy is not None and not request.is_ssl():
            request.headers["Proxy-Authorization"] = value
        return await handler(request)

    return authorized


def renamed(exc: Exception, request: httpx.Request) -> httpx.RequestError | None:
    """httpcore's error for the aiohttp failure `exc` is or wraps, chained to that failure (when it holds nothing of
    the answer or of the credentials); None when `exc` already names it (a timeout, an error that is not aiohttp's)."""
    if isinstance(exc, aiohttp.ClientError):  # one httpx-aiohttp does not map: a malformed answer
        # Retried as httpcore's answer to a malformed response would be. Chained to nothing: its request_info holds
        # the request's headers, Authorization too.
        return httpx.RemoteProtocolError(f"{type(exc).__name__}: {_unquoted(exc)}", request=request)
    if isinstance(exc, ValueError) and str(exc).startswith("Forbidden control character"):
        # aiohttp refuses a header holding CR, LF or NUL as it writes the request (nothing sent), quoting nothing:
        # named as h11's refusal is.
        return httpx.LocalProtocolError(str(exc), request=request)
    if not isinstance(exc, httpx.RequestError):
        return None
    cause = exc.__cause__
    failure: httpx.RequestError
    if isinstance(cause, aiohttp.ClientHttpProxyError):  # the proxy refused the tunnel (a 407, a 502): not sent
        # Chained to nothing: its request_info holds the tunnel request's headers, Proxy-Authorization too.
        return httpx.ProxyError(f"the proxy answered {cause.status} {cause.message}", request=request)
    if isinstance(cause, aiohttp.ClientPayloadError):  # a body cut short: httpx-aiohttp says ReadError
        failure = httpx.RemoteProtocolError(str(cause), request=request)
        failure.__cause__ = cause
        return failure
    if not isinstance(exc, httpx.ConnectTimeout) or not isinstance(cause, aiohttp.ClientConnectionError):
        return None
    if isinstance(cause, aiohttp.ServerTimeoutError):
        return None  # a real timeout: connect (ConnectionTimeoutError) or read, already named by its kind
    if isinstance(cause, aiohttp.ClientConnectorError):  # refused, DNS, TLS; the proxy's included
        failure = httpx.ConnectError(str(cause), request=request)
    elif isinstance(cause, aiohttp.ServerDisconnectedError):
        # Chained to nothing: aiohttp's text quotes the head cut short, which an echoing server fills with the
        # request's credentials (the text here says all there is to say).
        return httpx.RemoteProtocolError(DISCONNECTED, request=request)
    elif isinstance(cause, aiohttp.ClientConnectionResetError):
        failure = httpx.WriteError(str(cause), request=request)  # "Cannot write to closing transport"
    elif isinstance(cause, aiohttp.ClientOSError):
        failure = httpx.ReadError(str(cause), request=request)  # the connection failed under a sent request
    else:
        failure = httpx.NetworkError(str(cause), request=request)
    failure.__cause__ = cause
    return failure


def _unquoted(exc: aiohttp.ClientError) -> str:
    """What aiohttp says is wrong with an answer, without the bytes of it that it quotes ("Got more than 102400 bytes
    when reading: b'...'"): an echoing server fills them with the request's credentials, and aiohttp cuts them at
    100 bytes, past masking by value. Nor its status (400, its own) or the URL, which ClientResponseError adds."""
    said = exc.message if isinstance(exc, aiohttp.ClientResponseError) else str(exc)
    return " ".join(_QUOTE.split(str(said), maxsplit=1)[0].split()).rstrip(": ") or "a malformed answer"
