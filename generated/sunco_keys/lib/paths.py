"""The request of the generated endpoints: the httpx client it goes through, and its URL, each path parameter one
segment, joined to the base URL once."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:  # httpx loads with the first httpx client made, not with `import sunco_keys` (bench/notes.md)
    import httpx

    from ..client import AuthenticatedClient, Client

_DOT_SEGMENTS = {".", ".."}
# What quote() leaves as it is (RFC 3986 unreserved): every id this API issues, checked 3x faster than quoted.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch
# httpx refuses URL text, or a percent-encoded part of a URL, longer than this (httpx._urlparse.MAX_URL_LENGTH).
_HTTPX_MAX_URL_LENGTH = 65_536
# The longest id, percent-encoded, taken into a path: this API's ids are ~30 characters, and three segments this
# long stay well within httpx's limit (which would otherwise fail the request with httpx.InvalidURL).
MAX_SEGMENT_LENGTH = 16_384


def path_segment(name: str, value: object) -> str:
    """Percent-encode `value` so it stays one segment; refuse what no encoding can keep in place.

    `/`, `?`, `#`, `%`, CR/LF and non-ASCII are percent-encoded; an empty value or a dot segment would change
    which endpoint is reached (servers resolve `..`), so it is refused before anything is sent, as is a string
    UTF-8 cannot encode (a lone surrogate), which no URL can carry, and one longer than MAX_SEGMENT_LENGTH encoded.
    """
    if not isinstance(value, str):
        raise invalid_argument(f"{name} must be a str, not {type(value).__name__}")
    if value == "" or value in _DOT_SEGMENTS:
        raise invalid_argument(f"{name} must be a non-empty id other than '.' or '..', got {value!r}")
    if len(value) <= MAX_SEGMENT_LENGTH and _UNRESERVED(value):
        return value
    try:
        segment = quote(value, safe="")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no UTF-8 spelling, so no URL can carry it
        raise invalid_argument(f"{name} must be text UTF-8 can encode (no lone surrogates), got {value!r}") from None
    if len(segment) > MAX_SEGMENT_LENGTH:
        raise invalid_argument(
            f"{name} is {len(segment)} characters percent-encoded; at most {MAX_SEGMENT_LENGTH} are sent"
        )
    return segment


def with_absolute_url(httpx_client: httpx.Client | httpx.AsyncClient, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` with its relative `"url"` replaced by the absolute `httpx.URL` that httpx would have built from it.

    Given a relative path, httpx parses it, then parses the merged URL again (about 50 µs a call, a twentieth of a
    call against a local server); given an absolute `httpx.URL` it uses it as it is. One parse of the joined text
    gives the same URL (tests/unit/test_request_urls.py holds it to httpx's own join). Everything else is left to
    httpx's own join: a client without an absolute `httpx.URL` base (a stand-in, or no base URL), a base with a
    query or fragment, a path that does not start with exactly one "/" or that holds a fragment, and a URL near
    httpx's length limit (which it applies to the path and the whole URL differently). `kwargs` is updated in place
    and returned.
    """
    import httpx  # loaded already: `httpx_client` is one (a dict lookup, ~0.1 µs)

    url = kwargs["url"]
    base = getattr(httpx_client, "base_url", None)
    if (
        not isinstance(url, str)
        or url[:1] != "/"
        or url[:2] == "//"
        or "#" in url
        or not isinstance(base, httpx.URL)
        or not base.is_absolute_url
    ):
        return kwargs
    prefix = str(base)  # ends with "/" unless the base has no path at all ("https://host")
    # Unencoded, "?" and "#" can only start the base's query or fragment.
    if "?" in prefix or "#" in prefix or len(prefix) + len(url) > _HTTPX_MAX_URL_LENGTH:
        return kwargs
    joined = httpx.URL(prefix + url[1:] if prefix.endswith("/") else prefix + url)
    if len(joined.raw_path) > _HTTPX_MAX_URL_LENGTH:  # percent-encoding made the path too long for httpx's join
        return kwargs
    kwargs["url"] = joined
    return kwargs


def sync_httpx_client(client: Client | AuthenticatedClient) -> httpx.Client:
    """`client.get_httpx_client()`; InvalidArgumentError when `client` is not a generated Client (None, an httpx
    client), rather than the AttributeError the generated call would stumble into."""
    try:
        get = client.get_httpx_client
    except AttributeError:
        raise _not_a_client(client) from None
    return _open(get())


def async_httpx_client(client: Client | AuthenticatedClient) -> httpx.AsyncClient:
    """`client.get_async_httpx_client()`, refusing what is not a generated Client as sync_httpx_client does."""
    try:
        get = client.get_async_httpx_client
    except AttributeError:
        raise _not_a_client(client) from None
    return _open(get())


_HttpxClient = TypeVar("_HttpxClient", "httpx.Client", "httpx.AsyncClient")


def _open(httpx_client: _HttpxClient) -> _HttpxClient:
    """`httpx_client`, unless it was closed: httpx would raise a bare RuntimeError at the call. (`is True`: a stand-in
    set with set_httpx_client, such as a MagicMock, answers anything.)"""
    if httpx_client.is_closed is True:
        raise invalid_argument(
            "this client is closed (its `with` block has ended): make a new one, e.g. with sunco_keys.connect()"
        )
    return httpx_client


# What httpx says entering a client that a call (or an outer `with`) has opened already.
_ALREADY_OPEN = "Cannot open a client instance more than once"


def enter_httpx_client(httpx_client: httpx.Client) -> None:
    """Enter `httpx_client` for its Client's `with` block: InvalidArgumentError once it is closed; nothing more when
    a call (or an outer `with`) has opened it already, which httpx refuses with a bare RuntimeError. The block's end
    closes it either way. Any other failure (a transport's own) is raised as it is."""
    try:
        _open(httpx_client).__enter__()
    except RuntimeError as exc:
        if _ALREADY_OPEN not in str(exc):
            raise


async def aenter_httpx_client(httpx_client: httpx.AsyncClient) -> None:
    """enter_httpx_client for an async Client's `async with` block."""
    try:
        await _open(httpx_client).__aenter__()
    except RuntimeError as exc:
        if _ALREADY_OPEN not in str(exc):
            raise


def _not_a_client(client: object) -> Exception:
    return invalid_argument(
        f"client must be a sunco_keys Client (sunco_keys.connect() gives one), not {type(client).__name__}"
    )


def invalid_argument(message: str) -> Exception:
    """The InvalidArgumentError to raise, imported on a refusal only (so `import sunco_keys` stays light); the
    request helpers (this module, lib/bodies.py) refuse their arguments through it."""
    from .errors import InvalidArgumentError

    return InvalidArgumentError(message)
