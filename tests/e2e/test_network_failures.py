"""The same network failure is named the same on every backend, as httpx's own transport (httpcore) names it, and
TransportError.may_have_taken_effect says whether any attempt may have acted.

A raw TCP server on loopback reads each request whole and then misbehaves. What matters most is a create: a
TransportError that says ConnectError or ConnectTimeout reads as "never sent", so it must say so only when the
connection was never made, and not when the server had the request and hung up (it may have created the key).
"""

from __future__ import annotations

import base64
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import create_custom_integration_key, delete_custom_integration_key
from sunco_keys.lib.transport import SuncoTransport
from sunco_keys.models import ApiKey, IntegrationApiKey, IntegrationApiKeyResponse
from tests.support.backends import BACKENDS, backend_options, run
from tests.support.echo import chained
from tests.support.local import free_port
from tests.support.mock_api import MockApi

KEY_ID, SECRET = "app_test_key", "test-secret-value"


class Misbehaving:
    """A loopback server that reads one request per connection, then: "drop" closes, "cut-head" sends a status line
    and half a header then closes, "cut-echo" does so with the request's Authorization header in that head,
    "long-echo" answers 401 with a header line over 100 KiB that starts with the request's Authorization value,
    "cut-body" sends a whole head and 1 of the 100 body bytes it announces then closes, "reset" closes with an RST
    (SO_LINGER 0), "stall" answers nothing until the client hangs up; "drop-then-stop" and "429-then-stop" close or
    answer 429 to the first request and then stop listening, so that every later connection is refused;
    "non-ascii-header" answers a valid 201 with a header value in UTF-8. Counts the requests it read."""

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
                    if self.behaviour.endswith("-then-stop"):
                        self._listener.close()
                        return

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
        if self.behaviour == "429-then-stop":
            connection.sendall(b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        elif self.behaviour == "cut-head":
            connection.sendall(b"HTTP/1.1 201 Created\r\nContent-")
        elif self.behaviour == "non-ascii-header":  # a whole, valid 201, one header value in UTF-8
            body = b'{"key": {"id": "int_1", "displayName": "ci-bot", "secret": "new-secret"}}'
            head = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Note: caf\xc3\xa9\r\n"
            connection.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        elif self.behaviour == "cut-body":
            connection.sendall(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
        elif self.behaviour == "cut-echo":
            echoed = [line for line in head.split(b"\r\n") if line.lower().startswith(b"authorization:")]
            connection.sendall(b"HTTP/1.1 401 Unauthorized\r\n" + b"".join(line + b"\r\n" for line in echoed) + b"X-")
        elif self.behaviour == "long-echo":
            value = b"".join(
                line[14:].strip() for line in head.split(b"\r\n") if line.lower().startswith(b"authorization:")
            )
            long_line = b"X-Echo: " + value + b"x" * (110 * 1024)
            connection.sendall(b"HTTP/1.1 401 Unauthorized\r\n" + long_line + b"\r\nContent-Length: 0\r\n\r\n")
        elif self.behaviour == "stall":
            connection.recv(1)  # returns once the client, tired of waiting, closes its end
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
    return f"http://127.0.0.1:{free_port()}"


def call(url: str, backend: str, operation: str = "create", secret: str = SECRET) -> object:
    """What a create (retried only after 429) or a delete (retried after any network failure) returns against `url`
    through `backend`, with retries that wait 10 ms at most; whatever it raises propagates."""
    mode, options = backend_options(backend)
    retries = sunco_keys.RetryPolicy(backoff_factor=0.001, max_backoff=0.01)
    client = sunco_keys.connect(KEY_ID, secret, base_url=url, retries=retries, timeout=1.0, **options)  # type: ignore[arg-type]
    if operation == "create":
        module: Any = create_custom_integration_key
        args: tuple[Any, ...] = ("app", "integration")
        kwargs: dict[str, Any] = {"body": IntegrationApiKey(display_name="ci-bot")}
    else:
        module, args, kwargs = delete_custom_integration_key, ("app", "integration", "int_1"), {}
    return run(mode, client, module, *args, **kwargs)


def call_fails(url: str, backend: str, operation: str = "create") -> sunco_keys.TransportError:
    """The TransportError `call` raises."""
    with pytest.raises(sunco_keys.TransportError) as caught:
        call(url, backend, operation)
    return caught.value


def reason(error: sunco_keys.TransportError) -> str:
    """What the TransportError says failed, after "METHOD PATH failed: "."""
    return str(error).partition("failed: ")[2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_connection_is_a_connect_error(backend: str) -> None:
    error = call_fails(refused_url(), backend)
    assert reason(error).startswith("ConnectError: "), str(error)
    assert error.may_have_taken_effect is False


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misbehaving", ["drop", "cut-head", "cut-body"], indirect=True)
def test_a_server_that_hangs_up_before_a_whole_answer_is_a_protocol_error(
    misbehaving: Misbehaving, backend: str
) -> None:
    error = call_fails(misbehaving.url, backend)
    assert reason(error).startswith("RemoteProtocolError: "), str(error)
    assert misbehaving.requests == 1  # the server had the request: not a connect failure, and not sent again
    assert error.may_have_taken_effect is True


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("misbehaving", "operation", "named", "took_effect"),
    [
        # A reset reads as a reset or, when the RST lands after the peer's close was seen, as that close.
        ("reset", "create", ("ReadError: ", "RemoteProtocolError: "), True),
        # The request read, then silence: pyreqwest called this wait a ConnectTimeoutError ("never sent").
        ("stall", "create", ("ReadTimeout: ",), True),
        # Dropped, then refused on each retry: the first attempt may have deleted the key.
        ("drop-then-stop", "delete", ("ConnectError: ",), True),
        # 429 (not acted on), retried, then refused: no attempt made a key.
        ("429-then-stop", "create", ("ConnectError: ",), False),
    ],
    indirect=["misbehaving"],
)
def test_may_have_taken_effect_follows_every_attempt_and_not_the_last_failure_s_name_alone(
    misbehaving: Misbehaving, backend: str, operation: str, named: tuple[str, ...], took_effect: bool
) -> None:
    error = call_fails(misbehaving.url, backend, operation)
    assert reason(error).startswith(named), str(error)
    assert misbehaving.requests == 1
    assert error.may_have_taken_effect is took_effect


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misbehaving", ["cut-echo"], indirect=True)
def test_a_cut_head_echoing_the_credentials_shows_them_nowhere(misbehaving: Misbehaving, backend: str) -> None:
    error = call_fails(misbehaving.url, backend)
    token = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()  # what Basic auth sends
    assert reason(error).startswith("RemoteProtocolError: "), str(error)
    for shown in chained(error):
        assert SECRET not in repr(shown) and token not in repr(shown), repr(shown)
        assert SECRET not in repr(vars(shown)) and token not in repr(vars(shown)), repr(shown)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("misbehaving", ["long-echo"], indirect=True)
def test_an_over_long_header_echoing_the_credentials_shows_no_part_of_them(
    misbehaving: Misbehaving, backend: str
) -> None:
    """aiohttp refuses a header line over 100 KiB, quoting its first 100 bytes: here the start of the request's
    Basic credentials (about 150 characters with a secret as long as the API's), cut short of the whole value that
    masking looks for, so that the TransportError showed most of the key's secret, base64-encoded."""
    secret = "echoed-" + "s" * 79  # 86 characters, as the API's secrets
    with pytest.raises(sunco_keys.SuncoKeysError) as caught:  # UnauthorizedError where the line is taken
        call(misbehaving.url, backend, secret=secret)
    token = base64.b64encode(f"{KEY_ID}:{secret}".encode()).decode()
    piece = token[20:60]  # what encodes a part of the secret (the first 16 characters encode the key id)
    for shown in chained(caught.value):
        assert piece not in repr(shown) and piece not in repr(vars(shown)), repr(shown)


@pytest.mark.parametrize("misbehaving", ["stall"], indirect=True)
def test_a_hand_built_pyreqwest_transport_bounds_each_phase_by_its_client_s_timeout(misbehaving: Misbehaving) -> None:
    """Without timeout= given to it, the transport takes the phases of the first call's timeout (its httpx client's):
    a stalled answer ends at the 0.2 s read limit, not at pyreqwest's bound on the whole call (the phases' sum, 60.2 s
    here). Both are named ReadTimeout, so the bound is told by when the call ends; 10 s leaves a loaded machine room."""
    transport = SuncoTransport(None, sync_backend="pyreqwest")
    started = time.monotonic()
    with httpx.Client(transport=transport, timeout=httpx.Timeout(20, read=0.2)) as client:
        with pytest.raises(sunco_keys.TransportError) as caught:
            client.get(f"{misbehaving.url}/v2/apps/app/integrations/integration/keys")
    assert reason(caught.value).startswith("ReadTimeout: "), str(caught.value)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("backend", ["sync-httpx", "async-aiohttp", "async-httpx"])
@pytest.mark.parametrize("misbehaving", ["non-ascii-header"], indirect=True)
def test_a_header_value_that_is_not_ascii_is_read(misbehaving: Misbehaving, backend: str) -> None:
    created = call(misbehaving.url, backend)
    assert isinstance(created, IntegrationApiKeyResponse) and isinstance(created.key, ApiKey)
    assert created.key.secret == "new-secret"


@pytest.mark.parametrize("misbehaving", ["non-ascii-header"], indirect=True)
def test_pyreqwest_refuses_a_header_value_that_is_not_ascii_as_a_transport_error(misbehaving: Misbehaving) -> None:
    """pyreqwest reads header values as text only, and raised a bare ValueError for the whole answer; it is now a
    TransportError that says the create may have taken effect (the answer itself cannot be read through it)."""
    error = call_fails(misbehaving.url, "sync-pyreqwest")
    assert reason(error).startswith("RemoteProtocolError: pyreqwest cannot read the answer"), str(error)
    assert error.may_have_taken_effect is True


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_request_the_http_library_refuses_to_send_did_not_take_effect(api: MockApi, backend: str) -> None:
    """A header value with CR/LF set on the live httpx client (the with_*() builders refuse it first): h11 refused
    it, yet the create was reported as one that may have made a key; aiohttp's refusal escaped as a bare ValueError,
    and pyreqwest's was named an unreadable answer, quoting the value."""
    mode, options = backend_options(backend)
    client = api.connect(**options)
    live = client.get_httpx_client() if mode == "sync" else client.get_async_httpx_client()
    live.headers["X-Token"] = "private-token\r\nX-Injected: 1"
    with pytest.raises(sunco_keys.TransportError, match="LocalProtocolError") as refused:
        run(mode, client, create_custom_integration_key, api.app_id, api.integration_id, body=IntegrationApiKey("x"))
    assert refused.value.may_have_taken_effect is False
    if backend in ("sync-pyreqwest", "async-aiohttp"):  # pyreqwest's own error quoted the value (as h11's does)
        assert all("private-token" not in str(error) for error in chained(refused.value))
    assert api.requests() == []
