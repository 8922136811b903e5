"""The request URL of the generated endpoints: each path parameter one segment, joined to the base URL once."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

_DOT_SEGMENTS = {".", ".."}
# What quote() leaves as it is (RFC 3986 unreserved): every id this API issues, checked 3x faster than quoted.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch


def path_segment(name: str, value: object) -> str:
    """Percent-encode `value` so it stays one segment; refuse what no encoding can keep in place.

    `/`, `?`, `#`, `%`, CR/LF and non-ASCII are percent-encoded; an empty value or a dot segment would change
    which endpoint is reached (servers resolve `..`), so it is refused before anything is sent, as is a string
    UTF-8 cannot encode (a lone surrogate), which no URL can carry.
    """
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a str, not {type(value).__name__}")
    if value == "" or value in _DOT_SEGMENTS:
        raise _invalid(f"{name} must be a non-empty id other than '.' or '..', got {value!r}")
    if _UNRESERVED(value):
        return value
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no UTF-8 spelling, so no URL can carry it
        raise _invalid(f"{name} must be text UTF-8 can encode (no lone surrogates), got {value!r}") from None


def with_absolute_url(httpx_client: httpx.Client | httpx.AsyncClient, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` with its relative `"url"` replaced by the absolute `httpx.URL` that httpx would have built from it.

    Given a relative path, httpx parses it, then parses the merged URL again (about 50 µs a call, a twentieth of a
    call against a local server); given an absolute `httpx.URL` it uses it as it is. One parse of the joined text
    gives the same URL (tests/unit/test_request_urls.py holds it to httpx's own join). A base URL that httpx joins
    differently (none, or one with a query or fragment), or a path that does not start with exactly one "/" or that
    holds a fragment, is left to httpx. `kwargs` is updated in place and returned.
    """
    url = kwargs["url"]
    base = httpx_client.base_url
    if not isinstance(url, str) or url[:1] != "/" or url[:2] == "//" or "#" in url or not base.is_absolute_url:
        return kwargs
    prefix = str(base)  # ends with "/" unless the base has no path at all ("https://host")
    if "?" in prefix or "#" in prefix:  # only a query or a fragment spells these unencoded
        return kwargs
    kwargs["url"] = httpx.URL(prefix + url[1:] if prefix.endswith("/") else prefix + url)
    return kwargs


def _invalid(message: str) -> Exception:
    """The InvalidArgumentError to raise, imported on a refusal only (so `import sunco_keys` stays light)."""
    from .errors import InvalidArgumentError

    return InvalidArgumentError(message)
