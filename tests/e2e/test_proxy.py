"""connect(proxy=...) over real sockets, through proxy.py (a real forward proxy asking for Basic credentials), on
every backend: plain http forwarded, https tunnelled (CONNECT), a refused tunnel never sent, credentials never shown."""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import create_custom_integration_key, list_custom_integration_keys
from sunco_keys.models import IntegrationApiKey
from tests.support.backends import BACKENDS, backend_options, run
from tests.support.canaries import CANARY_PROXY_PASSWORD
from tests.support.echo import chained
from tests.support.forward_proxy import ForwardProxy, forward_proxy
from tests.support.local import free_port
from tests.support.mock_api import MockApi
from tests.support.tls import NEW_SECRET, HttpsServer, https_server

APP_ID, INTEGRATION_ID = "5d8cff3cd55b040010928b5b", "029c31f25a21b47effd7be90"
USER = "platform-team"
API_SECRET = "proxy-test-api-secret"  # long enough not to be masked inside every word of a message


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    with forward_proxy(USER, CANARY_PROXY_PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    with https_server(tmp_path_factory.mktemp("tls")) as server:
        yield server


def connected(backend: str, **kwargs: Any) -> tuple[str, sunco_keys.Client]:
    mode, options = backend_options(backend)
    kwargs.setdefault("retries", 0)
    kwargs.update(options)
    return mode, sunco_keys.connect(**kwargs)


def shown(error: BaseException) -> str:
    """Everything an error and what it chains to would show: their messages and reprs."""
    return "\n".join(f"{failure!s}\n{failure!r}" for failure in chained(error))


@pytest.mark.parametrize("backend", BACKENDS)
def test_http_calls_are_forwarded_by_the_proxy_given(api: MockApi, proxy: ForwardProxy, backend: str) -> None:
    """A GET: proxy.py 2.4.10 adds a second Content-Length to a forwarded body whose header came in lower case (as
    aiohttp sends it), which the server refuses; requests with a body go through the proxy in the tunnel tests."""
    mode, client = connected(backend, key_id=api.key_id, secret=api.secret, base_url=api.url, proxy=proxy.url)
    assert run(mode, client, list_custom_integration_keys, api.app_id, api.integration_id).keys == []
    (request,) = api.requests()
    assert request["headers"].get("Via", "").startswith("1.1 proxy.py")  # it came through the proxy
    assert request["auth"] == "basic"  # the API's own credentials still reach the API


@pytest.mark.parametrize("backend", BACKENDS)
def test_https_calls_are_tunnelled_through_the_proxy_given(
    https: HttpsServer, proxy: ForwardProxy, backend: str
) -> None:
    verify: bool | Path = False if backend == "sync-pyreqwest" else https.ca_file  # pyreqwest: True or False only
    options = {"key_id": "app_1", "secret": API_SECRET, "base_url": https.url, "proxy": proxy.url, "verify": verify}
    mode, client = connected(backend, **options)
    assert run(mode, client, list_custom_integration_keys, APP_ID, INTEGRATION_ID).keys == []
    mode, client = connected(backend, **options)
    body = IntegrationApiKey(display_name="through-the-tunnel")
    created = run(mode, client, create_custom_integration_key, APP_ID, INTEGRATION_ID, body=body)
    assert (created.key.display_name, created.key.secret) == ("through-the-tunnel", NEW_SECRET)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tunnel_the_proxy_refuses_is_a_transport_error_that_sent_nothing_and_shows_no_credentials(
    https: HttpsServer, proxy: ForwardProxy, backend: str
) -> None:
    wrong = proxy.url_as(USER, CANARY_PROXY_PASSWORD[::-1])  # a canary too, backwards: the scan finds neither
    mode, client = connected(backend, key_id="app_1", secret=API_SECRET, base_url=https.url, proxy=wrong, verify=False)
    body = IntegrationApiKey(display_name="never-sent")
    with pytest.raises(sunco_keys.TransportError, match="ProxyError") as caught:
        run(mode, client, create_custom_integration_key, APP_ID, INTEGRATION_ID, body=body)
    assert caught.value.may_have_taken_effect is False  # refused at the proxy: the create can be sent again
    for password in (CANARY_PROXY_PASSWORD, CANARY_PROXY_PASSWORD[::-1]):
        for credential in (password, base64.b64encode(f"{USER}:{password}".encode()).decode()):  # as in the header
            assert credential not in shown(caught.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_proxy_that_is_not_listening_is_a_transport_error_that_sent_nothing(backend: str) -> None:
    dead = f"http://{USER}:{CANARY_PROXY_PASSWORD}@127.0.0.1:{free_port()}"
    mode, client = connected(backend, key_id="app_1", secret=API_SECRET, base_url="https://api.smooch.io", proxy=dead)
    with pytest.raises(sunco_keys.TransportError, match="ConnectError") as caught:  # as httpx names it
        run(mode, client, list_custom_integration_keys, APP_ID, INTEGRATION_ID)
    assert caught.value.may_have_taken_effect is False
    assert CANARY_PROXY_PASSWORD not in shown(caught.value)


@pytest.fixture(scope="module")
def hanging_up_proxy() -> Iterator[str]:
    """A "proxy" that reads each CONNECT head and closes the connection without an answer."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    connection.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://{USER}:{CANARY_PROXY_PASSWORD}@127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_proxy_that_hangs_up_on_the_tunnel_is_named_alike_on_every_backend(
    https: HttpsServer, hanging_up_proxy: str, backend: str
) -> None:
    """As httpx names it, a RemoteProtocolError: a server hung up before answering (pyreqwest said ProxyError)."""
    mode, client = connected(
        backend, key_id="app_1", secret=API_SECRET, base_url=https.url, proxy=hanging_up_proxy, verify=False
    )
    with pytest.raises(sunco_keys.TransportError, match="RemoteProtocolError") as caught:
        run(mode, client, list_custom_integration_keys, APP_ID, INTEGRATION_ID)
    assert caught.value.may_have_taken_effect is True  # as on every backend: which server hung up is not told apart
    assert CANARY_PROXY_PASSWORD not in shown(caught.value)


def test_an_answer_from_the_proxy_echoing_its_credentials_is_masked_in_the_error(
    api: MockApi, proxy: ForwardProxy
) -> None:
    """A 407 for a forwarded request is the proxy's answer, typed like the API's: nothing of the credentials shows
    even if the proxy quotes them (here the server stands in for it, echoing the password in its error title)."""
    api.inject({"status": 407, "body": "raw", "raw_body": f'{{"errors": [{{"title": "{CANARY_PROXY_PASSWORD}"}}]}}'})
    mode, client = connected("sync-httpx", key_id=api.key_id, secret=api.secret, base_url=api.url, proxy=proxy.url)
    with pytest.raises(sunco_keys.ApiError) as caught:
        run(mode, client, list_custom_integration_keys, api.app_id, api.integration_id)
    assert caught.value.status_code == 407
    assert CANARY_PROXY_PASSWORD not in shown(caught.value)
    assert [error.title for error in caught.value.errors] == ["***"]


@pytest.mark.parametrize("backend", ["sync-httpx", "async-aiohttp"])
def test_a_proxy_from_the_environment_is_never_used_for_a_loopback_host(
    api: MockApi, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    mode, client = connected(backend, key_id=api.key_id, secret=api.secret, base_url=api.url)
    assert run(mode, client, list_custom_integration_keys, api.app_id, api.integration_id).keys == []
    assert "Via" not in api.requests()[0]["headers"]
