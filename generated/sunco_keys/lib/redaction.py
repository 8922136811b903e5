"""Masks credentials in what may reach an exception message, a log line or a repr."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    import httpx

MASK = "***"
# The request extension in which an auth names what it signs with but does not send (a JWT's signing secret).
HIDDEN_EXTENSION = "sunco_keys.hidden"
# The patterns are compiled on first use (re's own cache), not on import: the models import this module.
# A JSON member is a credential when its name says so, in any case and spelling: secret, previousSecret,
# client_secret, password, access_token, Authorization, credentials, private_key...
_CREDENTIAL_NAME = r"(?i)secret|passw|token|authori[sz]ation|credential|private_?key"
# In text that is not JSON (truncated, or not JSON at all), a member's name: a string literal, then a colon.
_MEMBER_NAME = r'"((?:[^"\\]|\\.)*)"\s*:\s*'
# The value after a credential's name there: a string (to its closing quote, or the end of a truncated body) or a
# scalar up to the next delimiter. Anything else (an object, an array) is masked to the end of the text.
_STRING_OR_SCALAR = r'"(?:[^"\\]|\\.)*"?|[-\w.+]*(?=\s*[,}\]]|\s*$)'


def is_credential_name(name: object) -> bool:
    """Whether a member called `name` holds a credential."""
    return isinstance(name, str) and re.search(_CREDENTIAL_NAME, name) is not None


def masked(value: Any) -> Any:
    """A copy of a JSON-like value with the value of every credential-named member, at any depth, replaced by MASK."""
    if isinstance(value, dict):
        return {name: MASK if is_credential_name(name) else masked(item) for name, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def masked_repr(value: Any) -> str:
    """repr() of `value` with credentials masked: for attrs' `field(repr=...)` of what a server may add to a model."""
    try:
        return repr(masked(value))
    except RecursionError:
        return "{...}"


class Hidden(tuple[str, ...]):
    """Values that must never be shown, as an auth hands them on in a request's extensions; its repr shows none."""

    def __repr__(self) -> str:
        return f"Hidden({len(self)} values)"


def sent_secrets(request: httpx.Request | None) -> tuple[str, ...]:
    """The secrets behind `request`, longest first, to mask wherever a server may echo them.

    They are its Authorization header: the whole value, its credentials (for a JWT, its signature too, from which
    the token can be rebuilt), and for Basic the decoded pair and its password. Then what its auth declared hidden
    (HIDDEN_EXTENSION: a JWT's signing secret). Each comes as sent, in base64, percent-encoded and JSON-escaped.
    """
    if request is None:
        return ()
    values: set[str] = set(request.extensions.get(HIDDEN_EXTENSION, ()))
    authorization = request.headers.get("Authorization")
    if authorization:
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        values.update((authorization, credentials))
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                pair = ""
            values.update((pair, pair.partition(":")[2]))
        elif credentials.count(".") == 2:  # a JWT: header.payload.signature, the first two predictable
            values.add(credentials.rpartition(".")[2])
    values.discard("")
    spellings = set(values)
    for value in values:
        encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
        spellings.update((encoded, encoded.rstrip("="), quote(value, safe=""), quote_plus(value, safe="")))
        spellings.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return tuple(sorted(spellings, key=len, reverse=True))


def scrubbed(text: str, hide: Iterable[str], *, cut: bool = False) -> str:
    """`text` with each value of `hide` replaced by MASK (longest first, as sent_secrets gives them).

    `cut`: the text is the head of a longer one, which may end inside a value: an end that begins one (4 characters
    or more, before any U+FFFD a cut character decoded to) is masked too.
    """
    hide = tuple(hide)
    for value in hide:
        if value in text:
            text = text.replace(value, MASK)
    if not cut:
        return text
    end = text.rstrip("\ufffd")
    for value in hide:
        for length in range(min(len(value) - 1, len(end)), 3, -1):
            if end.endswith(value[:length]):
                return end[: len(end) - length] + MASK
    return text


def clipped(text: str, limit: int) -> str:
    """The first `limit` characters of `text`, with "..." when it had more."""
    return text[:limit] + ("..." if len(text) > limit else "")


def excerpt(body: bytes, limit: int = 200, hide: Sequence[str] = (), *, cut: bool = False) -> str:
    """The first `limit` characters of a body as text, every credential-like JSON value and each of `hide` masked.

    A body that is JSON (UTF-8, -16 or -32) is decoded and masked member by member; any other text is scanned for
    `"name": value` pairs, whose names are read with their escapes (`"\\u0073ecret"` is `secret`). The values of
    `hide` (sent_secrets: what the request carried, should a server echo it) are masked wherever they appear,
    before the text is cut, so that no part of one is shown; `cut`: `body` is only the head of the body (see
    scrubbed).
    """
    text = body.decode(json.detect_encoding(body), errors="replace")  # as json.loads would read the bytes
    try:
        shown = json.dumps(masked(json.loads(text)), ensure_ascii=False)
    except (ValueError, RecursionError):
        shown = _masked_text(text)
    return clipped(scrubbed(shown, hide, cut=cut), limit)


def _masked_text(text: str) -> str:
    parts: list[str] = []
    position = 0
    scalar = re.compile(_STRING_OR_SCALAR)
    for member in re.finditer(_MEMBER_NAME, text):
        if member.start() < position or not is_credential_name(_name(member.group(1))):
            continue
        value = scalar.match(text, member.end())
        end = value.end() if value is not None and value.end() > member.end() else len(text)
        parts += [text[position : member.end()], f'"{MASK}"']
        position = end
    return "".join(parts) + text[position:]


def _name(literal: str) -> str:
    """The name a JSON string literal's inside spells (escapes read); as it is when it is not valid JSON."""
    try:
        name: str = json.loads(f'"{literal}"')  # no unescaped quote inside (_MEMBER_NAME): always a str
    except ValueError:
        return literal
    return name
