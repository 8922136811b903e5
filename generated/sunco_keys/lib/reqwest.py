"""The sync backend on pyreqwest: Rust's reqwest behind httpx's transport interface, set up to behave as httpx's own.

httpx's own sync transport (httpcore + h11) takes ~1.4x the official SDK's time per call, and httpx's client layer
over urllib3 would still take ~1.2x; over pyreqwest's transport, httpx's layer makes a sync call in about the SDK's
time (bench/results.md). pyreqwest's own transport is used as it is; this module only configures its client and
names its errors as httpx does, so that retries and typed errors see what they see with httpx's transport.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from pyreqwest.proxy import ProxyBuilder

# httpx.Limits() defaults, so that switching backends changes no pool behaviour.
MAX_CONNECTIONS = 100
MAX_KEEPALIVE_CONNECTIONS = 20
KEEPALIVE_EXPIRY = 5.0
# The cause hyper gives, through pyreqwest, for a failure while connecting (nothing sent yet), and for a server
# that closed the connection before a whole answer.
CONNECTING = "client error (Connect)"
HUNG_UP = "connection closed before message completed"
# hyper's last cause when a proxy answered the tunnel's CONNECT with a refusal (non-2xx, 407): httpx's ProxyError.
# Any other tunnel error (the proxy hung up, or its answer was not HTTP) is what httpx calls a RemoteProtocolError.
TUNNEL_REFUSED = ("tunnel error: unsuccessful", "tunnel error: proxy authorization required")
TUNNEL_BROKEN = "tunnel error"


def sync_transport(verify: bool, timeout: httpx.Timeout, proxy: httpx.Proxy | None = None) -> httpx.BaseTransport:
    """pyreqwest's httpx transport on a client that, like httpx's own, follows no redirect, reads no proxy from the
    environment (only `proxy`, if given), decodes no body (lib/body_limits.py does, bounded), keeps no cookie, and
    trusts certifi's CAs (as httpx does; rustls adds the system's) unless `verify` is False."""
    import certifi
    from pyreqwest.client import SyncClientBuilder
    from pyreqwest.compatibility.httpx import SyncHttpxTransport

    builder = (
        SyncClientBuilder()
        .follow_redirects(False)
        .no_proxy()
        .gzip(False)
        .deflate(False)
        .brotli(False)
        .zstd(False)
        .default_cookie_store(False)
        .max_connections(MAX_CONNECTIONS)
        .pool_max_idle_per_host(MAX_KEEPALIVE_CONNECTIONS)
        .pool_idle_timeout(timedelta(seconds=KEEPALIVE_EXPIRY))
    )
    # Each phase as httpx bounds it; pyreqwest's transport also bounds the whole call by their sum.
    if timeout.connect is not None:
        builder = builder.connect_timeout(timedelta(seconds=timeout.connect))
    if timeout.read is not None:
        builder = builder.read_timeout(timedelta(seconds=timeout.read))
    if timeout.pool is not None:
        builder = builder.pool_timeout(timedelta(seconds=timeout.pool))
    if proxy is not None:
        builder = builder.proxy(proxy_builder(proxy))
    if verify:
        with open(certifi.where(), "rb") as bundle:
            builder = builder.add_root_certificate_pem(bundle.read())
    else:
        builder = builder.danger_accept_invalid_certs(True)
    try:
        client = builder.build()
    except RuntimeError as exc:  # its Tokio runtime was started before this process was forked from its parent
        raise InvalidArgumentError(f"sync_backend='pyreqwest' cannot start in this process: {exc}") from exc
    return ReqwestTransport(SyncHttpxTransport(client))


def proxy_builder(proxy: httpx.Proxy) -> ProxyBuilder:
    """pyreqwest's proxy for `proxy`, its credentials included; InvalidArgumentError for a URL httpx takes but
    pyreqwest's stricter parser does not, which would otherwise raise a bare ValueError at every call (SuncoTransport
    calls this when it is built, to refuse it then; checked_proxy has refused the known ones already: a zone in an
    IPv6 address, a name with a space)."""
    from pyreqwest.proxy import ProxyBuilder

    try:
        through = ProxyBuilder.all(str(proxy.url))  # httpx.Proxy keeps the credentials apart from its URL
    except ValueError as exc:
        reason = str(exc)  # about the URL's host; it never holds the credentials
        raise InvalidArgumentError(f"sync_backend='pyreqwest' cannot use this proxy URL: {reason}") from None
    return through.basic_auth(*proxy.auth) if proxy.auth else through


class ReqwestTransport(httpx.BaseTransport):
    """pyreqwest's transport, its failures named as httpx's own transport names them, when the answer is read as
    well as when the body is (pyreqwest raises its own errors from the body's stream)."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        from pyreqwest.exceptions import PyreqwestError

        self._transport = transport
        self._theirs = PyreqwestError

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._transport.handle_request(request)
        except httpx.RequestError as exc:
            # pyreqwest's transport has already named it, but by pyreqwest's kinds (below); named again here.
            if not isinstance(exc, httpx.DecodingError) and not isinstance(exc.__cause__, self._theirs):
                raise
            raise httpx_error(exc, request) from exc
        except self._theirs as exc:
            raise httpx_error(exc, request) from exc
        except ValueError as exc:
            if isinstance(exc, UnicodeError):
                raise
            failure = _refused(exc, request)
        else:
            response.stream = _Stream(response.stream, self._theirs, request)
            return response
        raise failure  # out of the except block: nothing chains to pyreqwest's text, which may quote a header value

    def close(self) -> None:
        self._transport.close()


class _Stream(httpx.SyncByteStream):
    """A body's stream whose failures are httpx's errors."""

    def __init__(self, stream: Any, theirs: type[Exception], request: httpx.Request) -> None:
        self._stream = stream
        self._theirs = theirs
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except self._theirs as exc:
            raise httpx_error(exc, self._request) from exc

    def close(self) -> None:
        self._stream.close()


def httpx_error(exc: Exception, request: httpx.Request) -> httpx.RequestError:
    """httpx's error for a failure of pyreqwest's (or for the httpx error its transport made of one), so that it is
    retried (or not) and named as with httpx's own transport.

    pyreqwest names a body cut short a decoding error (and its transport makes that httpx.DecodingError, which is not
    retried); with every decoding switched off above, such an error can only be a broken answer: RemoteProtocolError.
    A tunnel the proxy refused is a ProxyError, one it broke off a RemoteProtocolError, as httpx names them. It also
    names ConnectError and ConnectTimeoutError failures after the connection was made (hyper's "SendRequest",
    a read timeout waiting for the answer): only one that says it came from connecting keeps the name; otherwise a
    server that hung up before answering is a RemoteProtocolError, a reset a ReadError and a timeout a ReadTimeout, as
    httpcore names them. For a POST this matters: a connect failure means "never sent" (TransportError's
    may_have_taken_effect is False), while this server may have created the key.
    """
    from pyreqwest import exceptions as failed

    kinds: tuple[tuple[type[Exception], type[httpx.RequestError]], ...] = (
        (failed.ConnectTimeoutError, httpx.ConnectTimeout),
        (failed.ReadTimeoutError, httpx.ReadTimeout),
        (failed.WriteTimeoutError, httpx.WriteTimeout),
        (failed.PoolTimeoutError, httpx.PoolTimeout),
        (failed.RequestTimeoutError, httpx.TimeoutException),  # the bound on the whole call
        (failed.ConnectError, httpx.ConnectError),
        (failed.ReadError, httpx.ReadError),
        (failed.WriteError, httpx.WriteError),
        (failed.NetworkError, httpx.NetworkError),
    )
    cause = (exc.__cause__ or exc) if isinstance(exc, httpx.HTTPError) else exc
    kind = next((mapped for theirs, mapped in kinds if isinstance(cause, theirs)), httpx.RemoteProtocolError)
    causes = _causes(cause)
    if kind is httpx.ConnectTimeout and CONNECTING not in causes:
        kind = httpx.ReadTimeout
    elif kind is httpx.ConnectError and CONNECTING not in causes:
        kind = httpx.RemoteProtocolError if HUNG_UP in causes else httpx.ReadError
    elif kind is httpx.ConnectError and causes[-1].startswith(TUNNEL_BROKEN):  # not a proxy it could not reach
        kind = httpx.ProxyError if causes[-1] in TUNNEL_REFUSED else httpx.RemoteProtocolError
    return kind(_said(cause), request=request)  # named by `kind` alone: pyreqwest's own name may say otherwise


def _causes(exc: BaseException | None) -> list[str]:
    """The messages of the causes pyreqwest lists for `exc`, outermost first."""
    details = getattr(exc, "details", None)
    causes = details.get("causes") if isinstance(details, dict) else None
    if not isinstance(causes, list):
        return []
    return [str(cause.get("message", "")) for cause in causes if isinstance(cause, dict)]


def _said(exc: BaseException | None) -> str:
    """pyreqwest's message for `exc` and, after it, the innermost of the causes it lists (the one that says what
    happened: "end of file before message length reached")."""
    message = str(getattr(exc, "message", exc))
    causes = _causes(exc)
    return f"{message} ({causes[-1]})" if causes and causes[-1] else message


def _refused(exc: ValueError, request: httpx.Request) -> httpx.RequestError:
    """httpx's name for a ValueError of pyreqwest's transport, never quoting a header value (it may be a credential)."""
    if str(exc).startswith("Invalid header"):  # a header of the request it would not send ("Invalid header value: ...")
        return httpx.LocalProtocolError(
            "pyreqwest refused to send a header name or value HTTP does not allow", request=request
        )
    # pyreqwest gives header values as text only, and fails the whole answer on one that is not visible ASCII
    # ("failed to convert header to a str"): the answer cannot be read, though the server sent it.
    return httpx.RemoteProtocolError(
        "pyreqwest cannot read the answer: a header value is not visible ASCII; sync_backend='httpx' reads it",
        request=request,
    )
