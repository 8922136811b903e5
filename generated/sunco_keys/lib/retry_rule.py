"""httpx-retries' rule, reading Retry-After as lib/errors.py does: silently, since anything may be echoed into it."""

from __future__ import annotations

from httpx_retries import Retry

from .errors import parse_retry_after


class QuietRetry(Retry):
    """httpx-retries' `Retry`, whose own parser logs a Retry-After that is no wait (value and all) at WARNING.

    Here such a value is ignored without a word, and the wait falls back to the backoff as it does there: a server
    or a proxy that echoes the request's credentials into the header must not have them printed.
    """

    def parse_retry_after(self, retry_after: str) -> float:
        return parse_retry_after(retry_after) or 0.0
