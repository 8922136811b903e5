"""A generated Client answered from memory (httpx's own MockTransport), for unit tests where a socket adds nothing."""

from __future__ import annotations

import httpx

import sunco_keys


def client_answering(
    status: int, body: bytes, content_type: str | None = "application/json", sent: list[httpx.Request] | None = None
) -> sunco_keys.Client:
    """A generated Client whose every request gets this answer; each request sent is appended to `sent` when given."""
    headers = {"Content-Type": content_type} if content_type else {}

    def handler(request: httpx.Request) -> httpx.Response:
        if sent is not None:
            sent.append(request)
        return httpx.Response(status, headers=headers, content=body)

    return sunco_keys.Client(base_url="https://api.smooch.io", httpx_args={"transport": httpx.MockTransport(handler)})
