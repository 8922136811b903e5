"""Bounds on a response body: it must arrive whole within the read timeout, and be at most MAX_BODY_BYTES, on the
wire and once decoded.

httpx's read timeout bounds each read, not the body: a server dripping a byte just inside it, or streaming without
end, would hold a call (and its memory) forever. And httpx decodes a gzip or deflate body whole: a few hundred
kilobytes on the wire can decode to gigabytes. The transport reads every response with `read` or `aread`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .errors import ResponseDecodeError

# The API's largest answer is a list of keys (~150 bytes each); 16 MiB is far beyond any real one.
MAX_BODY_BYTES = 16 * 1024 * 1024
# The content codings connect() asks for, and the only ones a response may use: httpx decodes both with zlib.
ACCEPT_ENCODING = "gzip, deflate"
_CODINGS = frozenset({"gzip", "deflate"})
# Deflate expands a byte to at most ~1032: fed this much at a time, httpx's decoder yields at most ~1 MiB at once.
_ENCODED_SLICE = 1024
_HEAD_BYTES = 1024
# Headers of the wire's body that no longer describe it once it is decoded.
_WIRE_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


class BoundedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response stream that raises httpx.ReadTimeout (retried as a timeout) once the body has taken longer than
    `seconds` (None: no bound) to arrive, and ResponseDecodeError (not retried) past MAX_BODY_BYTES.

    The time is checked as each chunk arrives and each read is bounded by the read timeout, so a body ends within
    twice it at worst. An encoded body is handed on in small slices, so that its decoded size is checked often.
    """

    def __init__(
        self, stream: Any, refusal: _Refusal, request: httpx.Request, seconds: float | None, encoded: bool
    ) -> None:
        self._stream = stream
        self._refusal = refusal
        self._request = request
        self._deadline = None if seconds is None else time.monotonic() + seconds
        self._seconds = seconds
        self._encoded = encoded
        self._size = 0

    def _check(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if not self._encoded:
            self._refusal.keep(chunk)  # an encoded body's head is kept as decoded (in _Decoded)
        if self._size > MAX_BODY_BYTES:
            raise self._refusal.error(f"the body is larger than {MAX_BODY_BYTES} bytes")
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise httpx.ReadTimeout(
                f"the body took longer than the read timeout ({self._seconds} s) to arrive", request=self._request
            )

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            self._check(chunk)
            if self._encoded:
                yield from _slices(chunk)
            else:
                yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            self._check(chunk)
            if self._encoded:
                for piece in _slices(chunk):
                    yield piece
            else:
                yield chunk

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()


def _slices(chunk: bytes) -> Iterator[bytes]:
    for start in range(0, len(chunk), _ENCODED_SLICE):
        yield chunk[start : start + _ENCODED_SLICE]


class _Refusal:
    """The first bytes of a body, and the ResponseDecodeError that refuses it (its excerpt masked)."""

    def __init__(self, response: httpx.Response) -> None:
        self._status_code = response.status_code
        self._headers = response.headers  # not the response itself: it will hold the stream (a cycle for the GC)
        self._head = bytearray()

    def keep(self, chunk: bytes) -> None:
        if len(self._head) < _HEAD_BYTES:
            self._head += chunk[: _HEAD_BYTES - len(self._head)]

    def error(self, reason: str) -> ResponseDecodeError:
        content_type = self._headers.get("Content-Type", "")  # looked up on a refusal only
        return ResponseDecodeError(self._status_code, content_type, bytes(self._head), reason)


class _Decoded:
    """The decoded chunks of an encoded body, refused once they pass MAX_BODY_BYTES."""

    def __init__(self, response: httpx.Response, refusal: _Refusal) -> None:
        self._response = response
        self._refusal = refusal
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        self._refusal.keep(chunk)
        if self._size > MAX_BODY_BYTES:
            raise self._refusal.error(f"the body is larger than {MAX_BODY_BYTES} bytes once decoded")
        self._chunks.append(chunk)

    def response(self, request: httpx.Request) -> httpx.Response:
        """A response like the one read, with the decoded body and without the headers of the encoded one."""
        original = self._response
        headers = [(name, value) for name, value in original.headers.raw if name.lower() not in _WIRE_HEADERS]
        return httpx.Response(
            original.status_code,
            headers=headers,
            content=b"".join(self._chunks),
            request=request,
            extensions=original.extensions,
        )


def _is_encoded(response: httpx.Response, refusal: _Refusal) -> bool:
    """Whether the body is gzip or deflate encoded; refuses any other coding (httpx would decode some unbounded)."""
    if "Content-Encoding" not in response.headers:
        return False
    codings = [
        coding.strip().lower()
        for coding in response.headers.get_list("Content-Encoding", split_commas=True)
        if coding.strip().lower() not in ("", "identity")
    ]
    if not codings:
        return False
    if len(codings) == 1 and codings[0] in _CODINGS:
        return True
    shown = ", ".join(codings)[:100]
    raise refusal.error(f"its Content-Encoding is {shown!r}, and only a single gzip or deflate was asked for")


def _bounded(response: httpx.Response, request: httpx.Request) -> tuple[bool, _Refusal]:
    """Check `response`'s content coding, then wrap its stream (not read yet) in BoundedBody, timed by the request's
    read timeout from now; whether the body is encoded, and the refusal that keeps its head."""
    refusal = _Refusal(response)
    encoded = _is_encoded(response, refusal)
    timeout = request.extensions.get("timeout", {})
    response.stream = BoundedBody(response.stream, refusal, request, timeout.get("read"), encoded)
    return encoded, refusal


def read(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """Read `response`'s body within its bounds; the response to hand on (a new one if the body was encoded)."""
    encoded, refusal = _bounded(response, request)
    if not encoded:
        response.read()
        return response
    decoded = _Decoded(response, refusal)
    for chunk in response.iter_bytes():
        decoded.add(chunk)
    return decoded.response(request)


async def aread(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """`read` for an async response."""
    encoded, refusal = _bounded(response, request)
    if not encoded:
        await response.aread()
        return response
    decoded = _Decoded(response, refusal)
    async for chunk in response.aiter_bytes():
        decoded.add(chunk)
    return decoded.response(request)
