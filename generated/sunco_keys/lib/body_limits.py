"""Bounds on a response body: it must arrive whole within the read timeout, and be at most MAX_BODY_BYTES, on the
wire and once decoded.

httpx's read timeout bounds each read, not the body: a server dripping a byte just inside it, or streaming without
end, would hold a call (and its memory) forever. And httpx decodes a gzip or deflate body whole: a few hundred
kilobytes on the wire can decode to gigabytes. So an encoded body is decoded here, by zlib with each output capped,
and refused once past the limit. The transport reads every response with `read` or `aread`.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .errors import ResponseDecodeError
from .redaction import sent_secrets

# The API's largest answer is a list of keys (~150 bytes each); 16 MiB is far beyond any real one.
MAX_BODY_BYTES = 16 * 1024 * 1024
# The content codings connect() asks for, and the only ones decoded: both with zlib, each output capped.
ACCEPT_ENCODING = "gzip, deflate"
_CODINGS = frozenset({"gzip", "deflate"})
_OUTPUT_CAP = 1024 * 1024  # the most one call to zlib may return
_INPUT_SLICE = 1024  # the most one call to zlib is given
_HEAD_BYTES = 1024
# Headers of the wire's body that no longer describe it once it is decoded.
_WIRE_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})
# Other names of the codings decoded: RFC 9110 (8.4.1.3) asks a recipient to take "x-gzip" as "gzip".
_ALIASES = {"x-gzip": "gzip"}
# What a content coding's name looks like (RFC 9110 token, as registered names are: gzip, br, zstd, x-compress).
_CODING_NAME = re.compile(r"[a-z0-9][a-z0-9._+-]{0,19}").fullmatch
# What a closed BoundedBody holds instead of the stream it read.
_RELEASED = httpx.ByteStream(b"")


class BoundedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response stream that raises httpx.ReadTimeout (retried as a timeout) once the body has taken longer than
    `seconds` (None: no bound) to arrive, and ResponseDecodeError (not retried) past MAX_BODY_BYTES.

    The time is checked as each chunk arrives and each read is bounded by the read timeout, so a body ends within
    twice it at worst. An encoded body's size is checked here on the wire, and by _Body once decoded.

    Closing it lets go of the stream under it: httpx ties a response and its stream in a reference cycle, so what
    that stream holds (aiohttp's response, headers and request info; or httpcore's request, pool stream and locks:
    12-15 objects a call) would otherwise wait for the garbage collector.
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
            self._refusal.keep(chunk)  # an encoded body's head is kept as decoded (by _Body)
        if self._size > MAX_BODY_BYTES:
            raise self._refusal.error(f"the body is larger than {MAX_BODY_BYTES} bytes")
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
        stream, self._stream = self._stream, _RELEASED
        stream.close()

    async def aclose(self) -> None:
        stream, self._stream = self._stream, _RELEASED
        await stream.aclose()


class _Refusal:
    """The first bytes of a body, and the ResponseDecodeError that refuses it (its excerpt masked, the request's
    credentials too)."""

    def __init__(self, response: httpx.Response, request: httpx.Request) -> None:
        self._status_code = response.status_code
        self._headers = response.headers  # not the response itself: it will hold the stream (a cycle for the GC)
        self._request = request
        self._head = bytearray()
        self._cut = False  # whether the body went on past the head kept

    def keep(self, chunk: bytes) -> None:
        room = _HEAD_BYTES - len(self._head)
        self._head += chunk[:room]
        self._cut = self._cut or len(chunk) > room

    def error(self, reason: str, response: httpx.Response | None = None) -> ResponseDecodeError:
        content_type = self._headers.get("Content-Type", "")  # looked up on a refusal only
        hide = sent_secrets(self._request)
        head = bytes(self._head)
        return ResponseDecodeError(
            self._status_code, content_type, head, reason, response, hide=hide, head_only=self._cut
        )


class _Inflater:
    """Decodes a gzip or deflate body with zlib: in time linear in its size, each output at most _OUTPUT_CAP.

    A gzip body may hold several members (RFC 1952), decoded in turn, and zero padding after them. A deflate body is
    zlib-wrapped (RFC 1950) or raw, as its first two bytes tell; bytes after its end are ignored, as httpx does.
    zlib.error, and a body that ends inside a stream, are _CorruptBody.
    """

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._gzip = coding == "gzip"
        self._stream: Any = None  # the zlib decompressor of the current member, None between members
        self._start = b""  # a deflate body's first byte, until the second tells its kind
        self._ended = False  # a deflate body reached its end: the rest is ignored

    def _open(self, data: bytes) -> bytes:
        """Start a stream at `data` (a gzip member past any zero padding); the data left to decode."""
        if self._gzip:
            data = data.lstrip(b"\0")
            if data:
                self._stream = zlib.decompressobj(zlib.MAX_WBITS | 16)
            return data
        data, self._start = self._start + data, b""
        if len(data) < 2:
            self._start = data
            return b""
        wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        self._stream = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return data

    def decode(self, data: bytes) -> Iterator[bytes]:
        try:
            # In slices: zlib copies what follows a stream's end (unused_data) at each end, so that many tiny gzip
            # members would cost time quadratic in the chunk's size; a slice bounds each copy.
            for start in range(0, len(data), _INPUT_SLICE):
                yield from self._decode(data[start : start + _INPUT_SLICE])
        except zlib.error as exc:
            raise _CorruptBody(f"its {self._coding} body is corrupt ({exc})") from None

    def _decode(self, data: bytes) -> Iterator[bytes]:
        while not self._ended:
            if self._stream is None:
                if not data:
                    return
                data = self._open(data)
                continue
            output = self._stream.decompress(data, _OUTPUT_CAP)
            if output:
                yield output
            if self._stream.eof:
                data, self._stream = self._stream.unused_data, None
                self._ended = not self._gzip
                continue
            data = self._stream.unconsumed_tail
            if not data and len(output) < _OUTPUT_CAP:
                return  # everything consumed; a capped output may have left more inside zlib: asked for above

    def finish(self) -> None:
        if self._stream is not None or self._start:
            raise _CorruptBody(f"its {self._coding} body ends before its stream does")


class _CorruptBody(Exception):
    """An encoded body could not be decoded; the message says why (never holds body bytes)."""


class _Body:
    """A body read through BoundedBody: the wire's bytes and, for gzip or deflate, the decoded ones, each bounded."""

    def __init__(self, response: httpx.Response, refusal: _Refusal, coding: str) -> None:
        self._response = response
        self._refusal = refusal
        decoded_as = _ALIASES.get(coding, coding)
        self._inflater = _Inflater(decoded_as) if decoded_as in _CODINGS else None
        self._problem = None if self._inflater is not None else _unasked(coding)  # named as the server sent it
        self._wire: list[bytes] = []
        self._decoded: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._wire.append(chunk)
        if self._inflater is None or self._problem is not None:
            return
        try:
            for output in self._inflater.decode(chunk):
                self._size += len(output)
                self._refusal.keep(output)
                if self._size > MAX_BODY_BYTES:
                    raise self._refusal.error(f"the body is larger than {MAX_BODY_BYTES} bytes once decoded")
                self._decoded.append(output)
        except _CorruptBody as exc:
            self._problem = str(exc)

    def response(self, request: httpx.Request) -> httpx.Response:
        """The response to hand on: the decoded body; or, if it cannot be decoded, the wire's body for an error
        status (its status decides), and ResponseDecodeError (keeping that answer) for a 2xx."""
        if self._inflater is not None and self._problem is None:
            try:
                self._inflater.finish()
            except _CorruptBody as exc:
                self._problem = str(exc)
        if not any(self._wire):
            self._problem = None  # no body (HEAD, 204...): nothing to decode, whatever its coding
        original = self._response
        body = self._decoded if self._problem is None else self._wire
        headers = [(name, value) for name, value in original.headers.raw if name.lower() not in _WIRE_HEADERS]
        answer = httpx.Response(
            original.status_code,
            headers=headers,
            content=b"".join(body),
            request=request,
            extensions=original.extensions,
        )
        if self._problem is not None and 200 <= original.status_code < 300:
            raise self._refusal.error(self._problem, answer)
        return answer


def _coding(response: httpx.Response) -> str | None:
    """The body's content coding, as one lower-case name; None for none (or identity)."""
    if "Content-Encoding" not in response.headers:
        return None
    codings = (coding.strip().lower() for coding in response.headers.get_list("Content-Encoding", split_commas=True))
    return ", ".join(coding for coding in codings if coding not in ("", "identity")) or None


def _unasked(coding: str) -> str:
    """Why a body in `coding` is refused, naming each coding only if it looks like one (a short token): a server
    may echo anything into the header, and this text is lower-cased, past masking by value."""
    named = ", ".join(name if _CODING_NAME(name) else "(not a coding name)" for name in coding.split(", "))
    return f"its Content-Encoding is {named!r}, and only a single gzip or deflate was asked for"


def _bounded(response: httpx.Response, request: httpx.Request) -> _Body | None:
    """Wrap `response`'s stream (not read yet) in BoundedBody, timed by the request's read timeout from now; the
    _Body that reads it if it is encoded, else None (httpx reads it as it is)."""
    refusal = _Refusal(response, request)
    coding = _coding(response)
    timeout = request.extensions.get("timeout", {})
    response.stream = BoundedBody(response.stream, refusal, request, timeout.get("read"), coding is not None)
    return None if coding is None else _Body(response, refusal, coding)


def read(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """Read `response`'s body within its bounds; the response to hand on (a new one if the body was encoded)."""
    body = _bounded(response, request)
    if body is None:
        response.read()
        return response
    for chunk in response.iter_raw():
        body.add(chunk)
    return body.response(request)


async def aread(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """`read` for an async response."""
    body = _bounded(response, request)
    if body is None:
        await response.aread()
        return response
    async for chunk in response.aiter_raw():
        body.add(chunk)
    return body.response(request)
