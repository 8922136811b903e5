"""Masks credentials in text that may reach an exception message or a log line."""

from __future__ import annotations

import re

# A JSON member named like a credential, up to its closing quote or the end of a truncated body.
_SECRET_MEMBER = re.compile(rb'("(?:secret|password|token)"\s*:\s*")(?:[^"\\]|\\.)*("?)', re.IGNORECASE)
MASK = b"***"


def excerpt(body: bytes, limit: int = 200) -> str:
    """The first `limit` bytes of a body as text, with every credential-like JSON value masked."""
    masked = _SECRET_MEMBER.sub(lambda m: m.group(1) + MASK + m.group(2), body)
    text = masked[:limit].decode("utf-8", errors="replace")
    return text + ("..." if len(masked) > limit else "")
