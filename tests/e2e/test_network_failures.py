"""The same network failure is named the same on every backend, as httpx's own transport (httpcore) names it.

A raw TCP server on loopback reads each request whole and then misbehaves. What matters most is a create: a
TransportError that says ConnectError or ConnectTimeout reads as "never sent", so it must say so only when the
connection was never made, and not when the server had the request and hung up (it may have created the key).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import struct
import threading
from collections.abc import Iterator

import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import create_custom_integration_key
from sunco_keys.models import IntegrationApiKey
from tests.support.echo import chained

BACKENDS = ["sync-httpx", "sync-pyreqwest", "async-aiohttp", "async-httpx"]
KEY_ID, SECRET = "app_test_key", "test-secret-value"


class Misbehaving:
    """A loopback server that reads one request per connection, then: "drop" closes, "cut-head" sends a status line
    and half a header then closes, "cut-echo" does so with the request's Authorization header in that head, "reset"
    closes with an RST (SO_LINGER 0). Counts the requests it read."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            with connection:
                head = self._read_request(connection)
                if head is not None:
                    self.requests += 1
                    self._misbehave(connection, head)

    @staticmethod
    def _read_request(connection: socket.socket) -> bytes | None:
        """The request's head, once the whole request is read; None if the client hung up first."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
            0,
        )
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            body += chunk
        return head

    def _misbehave(self, connection: socket.socket, head: bytes) -> None:
        if self.behaviour == "cut-head":
            connection.sendall(b"HTTP/1.1 201 Created\r\nContent-")
        elif self.behaviour == "cut-echo":
            echoed = [line for line in head.split(b"\r\n") if line.lower().startswith(b"authorization:")]
            connection.sendall(b"HTTP/1.1 401 Unauthorized\r\n" + b"".join(line + b"\r\n" for line in echoed) + b"X-")
        elif self.behaviour == "reset":
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def misbehaving(request: pytest.FixtureRequest) -> Iterator[Misbehaving]:
    server = Misbehaving(request.param)
    yield server
    server.close()


def refused_url() -> str:
    """A loopback URL that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def create_fails(url: str, backend: str) -> sunco_keys.TransportError:
    """The TransportError a create (never retried) raises against `url` through `backend`."""
    mode, _, name = backend.partition("-")
    options = {"sync_backend": name} if mode == "sync" else {"async_backend": name}
    body = IntegrationApiKey(display_name="ci-bot")
    client = sunco_keys.connect(KEY_ID, SECRET, base_url=url, **options)  # type: ignore[arg-type]
    with pytest.raises(sunco_keys.TransportError) as caught:
        if mode == "sync":
            with client:
                create_custom_integration_key.sync("app", "integration", client=client, body=body)
        else:

            async def create() -> None:
                async with client:
                    await create_custom_integration_key.asyncio("app", "integration", client=client, body=body)

            asyncio.run(create())
    return caught.value


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_connection_is_a_connect_error(backend: str) -> None:
    error = create_fails(refused_url(), backend)
    assert str(error).partition("failed: ")[2].startswith("ConnectError: "), str(error)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misbehaving", ["drop", "cut-head"], indirect=True)
def test_a_server_that_hangs_up_before_a_whole_answer_is_a_protocol_error(
    misbehaving: Misbehaving, backend: str
) -> None:
    error = create_fails(misbehaving.url, backend)
    assert str(error).partition("failed: ")[2].startswith("RemoteProtocolError: "), str(error)
    assert misbehaving.requests == 1  # the server had the request: not a connect failure, and not sent again


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misbehaving", ["reset"], indirect=True)
def test_a_reset_under_a_sent_request_is_not_named_a_connect_failure(misbehaving: Misbehaving, backend: str) -> None:
    error = create_fails(misbehaving.url, backend)
    reason = str(error).partition("failed: ")[2]
    # A reset reads as a reset (ReadError) or, when the RST lands after the peer's close was seen, as that close.
    assert reason.startswith(("ReadError: ", "RemoteProtocolError: ")), str(error)
    assert misbehaving.requests == 1


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misbehaving", ["cut-echo"], indirect=True)
def test_a_cut_head_echoing_the_credentials_shows_them_nowhere(misbehaving: Misbehaving, backend: str) -> None:
    error = create_fails(misbehaving.url, backend)
    token = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()  # what Basic auth sends
    assert str(error).partition("failed: ")[2].startswith("RemoteProtocolError: "), str(error)
    for shown in chained(error):
        assert SECRET not in repr(shown) and token not in repr(shown), repr(shown)
        assert SECRET not in repr(vars(shown)) and token not in repr(vars(shown)), repr(shown)
