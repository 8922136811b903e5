"""Makes each path parameter exactly one URL path segment (called by the generated endpoints)."""

from __future__ import annotations

from urllib.parse import quote

from .errors import InvalidArgumentError

_DOT_SEGMENTS = {".", ".."}


def path_segment(name: str, value: object) -> str:
    """Percent-encode `value` so it stays one segment; refuse what no encoding can keep in place.

    `/`, `?`, `#`, `%`, CR/LF and non-ASCII are percent-encoded; an empty value or a dot segment would change
    which endpoint is reached (servers resolve `..`), so it is refused before anything is sent, as is a string
    UTF-8 cannot encode (a lone surrogate), which no URL can carry.
    """
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    if value == "" or value in _DOT_SEGMENTS:
        raise InvalidArgumentError(f"{name} must be a non-empty id other than '.' or '..', got {value!r}")
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no UTF-8 spelling, so no URL can carry it
        raise InvalidArgumentError(
            f"{name} must be text UTF-8 can encode (no lone surrogates), got {value!r}"
        ) from None
