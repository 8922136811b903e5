"""Masks credentials in text that may reach an exception message or a log line."""

from __future__ import annotations

import re

# The value of a JSON member named like a credential: a string (to its closing quote, or the end of a truncated
# body), an array, or any other value up to the next delimiter.
_SECRET_MEMBER = re.compile(
    rb'("(?:secret|password|token)"\s*:\s*)("(?:[^"\\]|\\.)*"?|\[[^\]]*\]?|[^,}\]]*)', re.IGNORECASE
)
MASK = b'"***"'


def excerpt(body: bytes, limit: int = 200) -> str:
    """The first `limit` bytes of a body as text, with every credential-like JSON value masked."""
    masked = _SECRET_MEMBER.sub(lambda m: m.group(1) + MASK, body)
    text = masked[:limit].decode("utf-8", errors="replace")
    return text + ("..." if len(masked) > limit else "")
