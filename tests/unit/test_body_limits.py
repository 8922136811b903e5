"""A response body is bounded once decoded as well as on the wire, and only the codings asked for are decoded."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import weakref
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

import sunco_keys
from sunco_keys.lib.auth import BasicAuth
from sunco_keys.lib.body_limits import ACCEPT_ENCODING, MAX_BODY_BYTES, aread, read
from tests.support.echo import signed

REQUEST = httpx.Request("GET", "https://api.smooch.io/v2/apps/a/integrations/i/keys")
DOCUMENT = json.dumps({"keys": [{"id": "int_1", "displayName": "packed", "secret": "canary-secret-5c0e"}]}).encode()


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body arriving in the given chunks, as from the network; records what the reader was handed."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def answer(*chunks: bytes, coding: str | None = None, status: int = 200) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Request-Id": "r-1"}
    if coding is not None:
        headers["Content-Encoding"] = coding
    headers["Content-Length"] = str(sum(map(len, chunks)))
    # No request set: a transport's response gets one from the client only after the transport returns it.
    return httpx.Response(status, headers=headers, stream=Chunks(*chunks), extensions={"http_version": b"HTTP/1.1"})


def deflated(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def zeros_gzipped(size: int) -> bytes:
    """gzip of `size` zero bytes (about a thousandth of it), built without holding them all."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(DOCUMENT)),
        ("deflate", deflated(DOCUMENT, zlib.MAX_WBITS)),  # zlib-wrapped, as the RFC says
        ("deflate", deflated(DOCUMENT, -zlib.MAX_WBITS)),  # raw, as some servers send it
        ("GZip ", gzip.compress(DOCUMENT)),
        ("identity, gzip", gzip.compress(DOCUMENT)),
        ("X-Gzip", gzip.compress(DOCUMENT)),  # RFC 9110: a recipient takes x-gzip as gzip
    ],
)
def test_an_encoded_body_is_handed_on_decoded_with_the_headers_that_describe_it(coding: str, body: bytes) -> None:
    decoded = read(answer(body[:7], body[7:], coding=coding), REQUEST)
    assert decoded.content == DOCUMENT and decoded.json()["keys"][0]["id"] == "int_1"
    assert "Content-Encoding" not in decoded.headers and decoded.headers["Content-Length"] == str(len(DOCUMENT))
    assert decoded.headers["X-Request-Id"] == "r-1" and decoded.headers["Content-Type"] == "application/json"
    assert decoded.request is REQUEST and decoded.http_version == "HTTP/1.1" and decoded.status_code == 200


@pytest.mark.parametrize("coding", [None, "identity", ""])
def test_a_plain_body_is_read_in_place(coding: str | None) -> None:
    response = answer(DOCUMENT[:5], DOCUMENT[5:], coding=coding)
    assert read(response, REQUEST) is response and response.content == DOCUMENT


@pytest.mark.parametrize("reader", ["sync", "async"])
@pytest.mark.parametrize("coding", [None, "gzip"])
def test_a_read_response_lets_go_of_the_stream_it_was_read_from(reader: str, coding: str | None) -> None:
    # httpx keeps a response and its stream in a reference cycle: whatever the stream still holds waits for the GC.
    stream = Chunks(gzip.compress(DOCUMENT) if coding else DOCUMENT)
    original = httpx.Response(200, headers={"Content-Encoding": coding} if coding else {}, stream=stream)
    handed = read(original, REQUEST) if reader == "sync" else asyncio.run(aread(original, REQUEST))
    gone = weakref.ref(stream)
    del stream
    assert handed.content == DOCUMENT and original.is_closed
    assert gone() is None  # held by nothing the caller keeps, without a collection


def test_the_async_read_decodes_alike() -> None:
    body = gzip.compress(DOCUMENT)
    decoded = asyncio.run(aread(answer(body, coding="gzip"), REQUEST))
    assert decoded.content == DOCUMENT and "Content-Encoding" not in decoded.headers


@pytest.mark.parametrize("reader", ["sync", "async"])
def test_a_body_that_decodes_past_the_limit_is_refused_without_ever_holding_it(reader: str) -> None:
    bomb = zeros_gzipped(256 * 1024 * 1024)  # ~256 KB on the wire, one chunk: httpx alone would inflate it at once
    assert len(bomb) < MAX_BODY_BYTES // 16
    response = answer(bomb, coding="gzip")
    tracemalloc.start()
    try:
        with pytest.raises(sunco_keys.ResponseDecodeError, match=f"larger than {MAX_BODY_BYTES} bytes once decoded"):
            if reader == "sync":
                read(response, REQUEST)
            else:
                asyncio.run(aread(response, REQUEST))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_BODY_BYTES + 8 * 1024 * 1024  # the limit's worth of kept chunks, and one slice's output


def test_a_refused_decoded_body_shows_its_decoded_head_masked() -> None:
    padding = b" " * MAX_BODY_BYTES
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        read(answer(gzip.compress(DOCUMENT[:-2] + padding + b"]}"), coding="gzip"), REQUEST)
    assert caught.value.body_excerpt.startswith('{"keys": [{"id": "int_1"')
    assert "canary-secret-5c0e" not in str(caught.value) and caught.value.response is None
    assert str(caught.value).endswith("(the request may have taken effect)")  # nothing claims a kept .response


@pytest.mark.parametrize("coding", [None, "gzip"])
def test_a_refused_body_masks_the_credentials_of_the_request_it_answers(coding: str | None) -> None:
    request = signed(BasicAuth("app_1", "canary-secret-body-limit-0f3e"), REQUEST.url)
    echoed = f"Authorization: {request.headers['Authorization']} ".encode() + b" " * MAX_BODY_BYTES
    wire = echoed if coding is None else gzip.compress(echoed)
    with pytest.raises(sunco_keys.ResponseDecodeError, match="larger than") as caught:
        read(answer(wire, coding=coding), request)
    assert caught.value.body_excerpt.startswith("Authorization: ***")
    assert "canary-secret-body-limit-0f3e" not in str(caught.value)
    assert request.headers["Authorization"].split()[1] not in str(caught.value)


def test_a_refused_head_cut_inside_an_echo_shows_none_of_it() -> None:
    """1024 bytes of a UTF-32 body are 255 characters: the head kept may end inside an echoed credential."""
    request = signed(BasicAuth("app_1", "canary-secret-body-limit-0f3e-" + "s" * 60), REQUEST.url)
    token = request.headers["Authorization"].split()[1]
    wire = ("x" * 150 + "echo: " + token + " " * (MAX_BODY_BYTES // 4)).encode("utf-32")
    with pytest.raises(sunco_keys.ResponseDecodeError, match="larger than") as caught:
        read(answer(wire), request)
    assert "echo: ***" in caught.value.body_excerpt and token[:8] not in str(caught.value)


def test_a_content_encoding_that_is_no_coding_name_is_not_repeated() -> None:
    request = signed(BasicAuth("app_1", "canary-secret-coding-77d1"), REQUEST.url)
    token = request.headers["Authorization"].split()[1]
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        read(answer(DOCUMENT, coding=request.headers["Authorization"]), request)
    assert "its Content-Encoding is '(not a coding name)'" in str(caught.value)
    assert token.lower()[:12] not in str(caught.value).lower()


@pytest.mark.parametrize(
    "coding", ["br", "zstd", "compress", "gzip, gzip", "deflate, gzip", "x-gzip, gzip", "x-gzip, deflate", "snappy"]
)
def test_a_2xx_body_in_a_coding_not_asked_for_is_refused_and_kept_as_received(coding: str) -> None:
    wire = gzip.compress(DOCUMENT)
    with pytest.raises(sunco_keys.ResponseDecodeError, match="only a single gzip or deflate was asked for") as caught:
        read(answer(wire, coding=coding), REQUEST)
    assert f"its Content-Encoding is {coding!r}" in str(caught.value)  # as the server sent it, not as decoded
    kept = caught.value.response
    assert kept is not None and kept.content == wire and "Content-Encoding" not in kept.headers
    assert "may have taken effect: the whole answer is in .response" in str(caught.value)


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (gzip.compress(DOCUMENT)[:-4], "gzip body ends before its stream does"),  # no length trailer
        (gzip.compress(DOCUMENT)[:-4] + b"\xff\xff\xff\xff", "gzip body is corrupt"),  # a wrong length
        (DOCUMENT, "gzip body is corrupt"),  # labelled gzip, sent plain
        (gzip.compress(DOCUMENT) + b"trailing garbage", "gzip body is corrupt"),
    ],
)
def test_a_2xx_body_that_does_not_decode_is_refused_and_kept_as_received(wire: bytes, reason: str) -> None:
    with pytest.raises(sunco_keys.ResponseDecodeError, match=reason) as caught:
        read(answer(wire[:9], wire[9:], coding="gzip"), REQUEST)
    assert caught.value.response is not None and caught.value.response.content == wire


@pytest.mark.parametrize(("coding", "wire"), [("gzip", b"not gzip"), ("br", b'{"errors": []}')])
def test_an_error_status_whose_body_does_not_decode_is_handed_on_for_its_status(coding: str, wire: bytes) -> None:
    handed = read(answer(wire, coding=coding, status=503), REQUEST)  # typed and retried by its status, not refused
    assert handed.status_code == 503 and handed.content == wire and "Content-Encoding" not in handed.headers


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_an_empty_body_needs_no_decoding_whatever_its_coding(coding: str) -> None:
    handed = read(answer(coding=coding, status=204), REQUEST)
    assert handed.status_code == 204 and handed.content == b""


def test_gzip_members_follow_one_another_and_zero_padding_after_them_is_ignored() -> None:
    wire = gzip.compress(DOCUMENT[:10]) + gzip.compress(DOCUMENT[10:]) + bytes(3 * 1024 * 1024)
    chunks = [wire[start : start + 65536] for start in range(0, len(wire), 65536)]
    assert read(answer(*chunks, coding="gzip"), REQUEST).content == DOCUMENT


def test_many_gzip_members_in_one_chunk_decode_in_turn() -> None:
    wire = b"".join(gzip.compress(DOCUMENT[index : index + 1]) for index in range(len(DOCUMENT)))
    assert read(answer(wire, coding="gzip"), REQUEST).content == DOCUMENT


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS | 16, zlib.MAX_WBITS, -zlib.MAX_WBITS])
@pytest.mark.parametrize("extra", [-1, 0, 1, 100, 258])
def test_a_body_whose_end_falls_just_past_a_capped_output_decodes_whole(wbits: int, extra: int) -> None:
    # A raw deflate stream has no trailer: its last bits may be read by the call whose output is capped at 1 MiB.
    document = b'{"keys": []}' + b" " * (1024 * 1024 - 12 + extra)
    coding = "gzip" if wbits > zlib.MAX_WBITS else "deflate"
    assert read(answer(deflated(document, wbits), coding=coding), REQUEST).content == document


def test_deflate_tells_raw_from_wrapped_by_its_first_two_bytes_and_ignores_what_follows_its_end() -> None:
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        wire = deflated(DOCUMENT, wbits) + b"after the end"
        chunks = [wire[:1], wire[1:2], wire[2:]]  # the kind cannot be told from the first chunk alone
        assert read(answer(*chunks, coding="deflate"), REQUEST).content == DOCUMENT


def test_connect_asks_for_exactly_the_codings_it_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx asks for br and zstd too when brotli and zstandard are installed (not here): as if they were.
    monkeypatch.setattr(httpx._client, "ACCEPT_ENCODING", "gzip, deflate, br, zstd")
    assert httpx.Client().headers["Accept-Encoding"] == "gzip, deflate, br, zstd"
    client = sunco_keys.connect("app_1", "a-test-secret", base_url="http://127.0.0.1:9")
    assert client.get_httpx_client().headers["Accept-Encoding"] == ACCEPT_ENCODING == "gzip, deflate"
    client.get_httpx_client().close()
