"""Checks of what a client is configured with, made where it is given (connect(), with_headers(), with_cookies(),
with_timeout()) rather than at a later call, where a bad value would fail as a bare TypeError, UnicodeEncodeError
or OverflowError from the HTTP library, or be refused before sending and reported as a failure that may have
taken effect. Messages name what is wrong and never quote a value: a header or cookie may be a credential."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from .errors import InvalidArgumentError

# A management API: fail fast when the host is unreachable, allow a slow answer.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# The longest timeout taken, in seconds: far past any answer, and far from where the clocks under the HTTP libraries
# overflow (1e10 s raises OverflowError in a socket's deadline). httpx.Timeout(None) sets no limit at all.
MAX_TIMEOUT = 86_400.0
# RFC 9110: a field name is a token; a field value, visible ASCII with spaces and tabs inside (HTTP/1.1 is ASCII:
# httpx cannot encode more, and CR or LF would end the header early).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+").fullmatch
_FIELD_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20\x09]*[\x21-\x7e])*)?").fullmatch
# RFC 6265: a cookie's value, bare or in double quotes: no control, space, '"', ',', ';' or '\'.
_COOKIE_VALUE = re.compile(r'"?[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"?').fullmatch


def checked_timeout(timeout: object) -> httpx.Timeout:
    """`timeout` (seconds, or an httpx.Timeout) as an httpx.Timeout whose phases the HTTP libraries can all wait."""
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            value = getattr(timeout, phase)
            if value is not None and not _is_seconds(value):
                raise InvalidArgumentError(
                    f"timeout.{phase} must be None (no limit) or a number of seconds over 0 and at most "
                    f"{MAX_TIMEOUT:g}, got {value!r}"
                )
        return timeout
    if not _is_seconds(timeout):
        shown = repr(timeout) if isinstance(timeout, int | float | None) else f"a {type(timeout).__name__}"
        raise InvalidArgumentError(
            f"timeout must be a number of seconds over 0 and at most {MAX_TIMEOUT:g}, or an httpx.Timeout "
            f"(httpx.Timeout(None) for no limit), got {shown}"
        )
    assert isinstance(timeout, int | float)
    return httpx.Timeout(timeout, connect=min(float(timeout), DEFAULT_TIMEOUT.connect or timeout))


def _is_seconds(value: object) -> bool:
    """A timeout the HTTP libraries can wait: a real number over 0, at most MAX_TIMEOUT (so neither NaN nor inf)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_TIMEOUT


def checked_headers(headers: object) -> dict[str, str]:
    """`headers` (a mapping of str to str) as a dict, each name a token and each value sendable as it is."""
    items = _items("headers", headers)
    for name, value in items:
        if not _FIELD_VALUE(value):
            raise InvalidArgumentError(
                f"headers: the value of {name!r} must be visible ASCII, with spaces or tabs only inside it "
                "(no line break, control character or non-ASCII letter; percent-encode such text)"
            )
    return dict(items)


def checked_cookies(cookies: object) -> dict[str, str]:
    """`cookies` (a mapping of str to str) as a dict, each name a token and each value a cookie value (RFC 6265)."""
    items = _items("cookies", cookies)
    for name, value in items:
        if not _COOKIE_VALUE(value) or value == '"':
            raise InvalidArgumentError(
                f"cookies: the value of {name!r} must be visible ASCII without spaces, '\"', ',', ';' or '\\' "
                "(percent-encode such text)"
            )
    return dict(items)


def _items(what: str, given: object) -> list[tuple[str, str]]:
    if not isinstance(given, Mapping):
        raise InvalidArgumentError(f"{what} must be a mapping of names to values (a dict), got {type(given).__name__}")
    items = list(given.items())
    for name, value in items:
        if not isinstance(name, str) or not _TOKEN(name):
            # Not quoted: a whole "Authorization: Bearer ..." line given as a name would show the credential.
            raise InvalidArgumentError(f"{what}: every name must be a str of letters, digits and !#$%&'*+-.^_`|~")
        if not isinstance(value, str):
            raise InvalidArgumentError(f"{what}: the value of {name!r} must be a str, got {type(value).__name__}")
    return items
