"""lib/aiohttp_backend.py: the failures httpx-aiohttp names ConnectTimeout are named as httpcore names them."""

from __future__ import annotations

import base64

import aiohttp
import httpx
import pytest
from aiohttp.client_reqrep import ConnectionKey

from sunco_keys.lib.aiohttp_backend import DISCONNECTED, async_transport, renamed

REQUEST = httpx.Request("POST", "https://api.smooch.io/v2/apps/a/integrations/i/keys")
KEY = ConnectionKey("api.smooch.io", 443, True, True, None, None, None)


def as_httpx_aiohttp_names_it(cause: Exception) -> httpx.ConnectTimeout:
    """What httpx-aiohttp raises for every aiohttp connection failure that is not a timeout."""
    error = httpx.ConnectTimeout(str(cause), request=REQUEST)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "ours", "said"),
    [
        (
            aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")),
            httpx.ConnectError,
            "Cannot connect",
        ),
        (
            aiohttp.ServerDisconnectedError("<RawResponseMessage(... a cut head ...)>"),
            httpx.RemoteProtocolError,
            DISCONNECTED,
        ),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError, "Connection reset by peer"),
        (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), httpx.WriteError, "Cannot write"),
        (aiohttp.ClientConnectionError("Connector is closed."), httpx.NetworkError, "Connector is closed."),
    ],
)
def test_a_failure_that_is_not_a_timeout_is_named_by_what_happened(cause: Exception, ours: type, said: str) -> None:
    error = renamed(as_httpx_aiohttp_names_it(cause), REQUEST)
    assert error is not None and type(error) is ours and error.request is REQUEST
    assert said in str(error)
    # aiohttp's text of a disconnection quotes the head cut short (an echoing server's credentials): not kept.
    assert error.__cause__ is (None if isinstance(cause, aiohttp.ServerDisconnectedError) else cause)


@pytest.mark.parametrize(
    "exc",
    [
        as_httpx_aiohttp_names_it(aiohttp.ConnectionTimeoutError("Connection timeout to host")),  # a real timeout
        as_httpx_aiohttp_names_it(ValueError("not aiohttp's")),
        httpx.ReadTimeout("timed out", request=REQUEST),
        httpx.ReadError("Response payload is not completed", request=REQUEST),
    ],
)
def test_timeouts_and_errors_already_named_are_left_as_they_are(exc: httpx.RequestError) -> None:
    assert renamed(exc, REQUEST) is None


def test_the_proxy_s_credentials_carried_as_a_header_stay_out_of_the_transport_s_reprs() -> None:
    password = "proxy-password-9f2c"
    transport = async_transport({"proxy": httpx.Proxy(f"http://me:{password}@proxy.corp:3128")})
    proxy = transport.proxy  # type: ignore[attr-defined]
    assert proxy.headers["Proxy-Authorization"] == "Basic " + base64.b64encode(f"me:{password}".encode()).decode()
    shown = repr(proxy) + repr(vars(transport))
    assert password not in shown and proxy.headers["Proxy-Authorization"].split()[1] not in shown
