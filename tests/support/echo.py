"""For tests that look for credentials in errors: a request as an auth signs it, and what an error chains to."""

from __future__ import annotations

from collections.abc import Iterator

import httpx


def signed(auth: httpx.Auth, url: str | httpx.URL) -> httpx.Request:
    """A GET of `url` as `auth` sends it (Authorization set, and what the auth hands on in its extensions)."""
    return next(auth.sync_auth_flow(httpx.Request("GET", url)))


def chained(error: BaseException) -> Iterator[BaseException]:
    """`error` and every exception it chains to, explicitly or not."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is not None and all(current is not s for s in seen):
            seen.append(current)
            pending += [current.__cause__, current.__context__]
    return iter(seen)
