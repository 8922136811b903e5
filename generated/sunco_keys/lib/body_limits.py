"""Bounds on a response body: it must arrive whole within the read timeout, and be at most MAX_BODY_BYTES.

httpx's read timeout bounds each read, not the body: a server dripping a byte just inside it, or streaming without
end, would hold a call (and its memory) forever. The transport wraps every response's stream in `BoundedBody`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .errors import ResponseDecodeError

# The API's largest answer is a list of keys (~150 bytes each); 16 MiB is far beyond any real one.
MAX_BODY_BYTES = 16 * 1024 * 1024
_HEAD_BYTES = 1024


class BoundedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response stream that raises httpx.ReadTimeout (retried as a timeout) once the body has taken longer than
    `seconds` (None: no bound) to arrive, and ResponseDecodeError (not retried) past MAX_BODY_BYTES.

    The time is checked as each chunk arrives and each read is bounded by the read timeout, so a body ends within
    twice it at worst.
    """

    def __init__(self, response: httpx.Response, request: httpx.Request, seconds: float | None) -> None:
        self._stream: Any = response.stream
        self._status_code = response.status_code
        self._headers = response.headers  # not the response itself: it will hold this stream (a cycle for the GC)
        self._request = request
        self._deadline = None if seconds is None else time.monotonic() + seconds
        self._seconds = seconds
        self._head = bytearray()  # the first bytes, for the error's (masked) excerpt
        self._size = 0

    def _check(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if len(self._head) < _HEAD_BYTES:
            self._head += chunk[: _HEAD_BYTES - len(self._head)]
        if self._size > MAX_BODY_BYTES:
            reason = f"the body is larger than {MAX_BODY_BYTES} bytes"
            content_type = self._headers.get("Content-Type", "")  # looked up on a refusal only
            raise ResponseDecodeError(self._status_code, content_type, bytes(self._head), reason)
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise httpx.ReadTimeout(
                f"the body took longer than the read timeout ({self._seconds} s) to arrive", request=self._request
            )

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            self._check(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            self._check(chunk)
            yield chunk

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()


def bound(response: httpx.Response, request: httpx.Request) -> None:
    """Wrap `response`'s stream (not read yet) in BoundedBody, timed by the request's read timeout from now."""
    timeout = request.extensions.get("timeout", {})
    response.stream = BoundedBody(response, request, timeout.get("read"))
