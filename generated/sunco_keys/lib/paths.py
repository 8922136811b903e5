"""Makes each path parameter exactly one URL path segment (called by the generated endpoints)."""

from __future__ import annotations

from urllib.parse import quote

from .errors import InvalidArgumentError

_DOT_SEGMENTS = {".", ".."}


def path_segment(name: str, value: object) -> str:
    """Percent-encode `value` so it stays one segment; refuse what no encoding can keep in place.

    `/`, `?`, `#`, `%`, CR/LF and non-ASCII are percent-encoded; an empty value or a dot segment would change
    which endpoint is reached (servers resolve `..`), so it is refused before anything is sent.
    """
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    if value == "" or value in _DOT_SEGMENTS:
        raise InvalidArgumentError(f"{name} must be a non-empty id other than '.' or '..', got {value!r}")
    return quote(value, safe="")
