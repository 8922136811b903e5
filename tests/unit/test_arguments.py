"""What a client is configured with is checked where it is given: connect() and the with_*() builders refuse a bad
header, cookie, timeout, scope, credential or host with an InvalidArgumentError that never quotes the value, instead
of a bare TypeError, UnicodeEncodeError or OverflowError at a later call."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import sunco_keys
from sunco_keys.lib.arguments import checked_cookies, checked_headers

SECRET = "s3cr3t-" + "x" * 40
# A value that must never appear in a message (it stands for a credential put in a header or cookie).
PRIVATE = "Bearer private-token-123"


@pytest.fixture
def client() -> sunco_keys.Client:
    return sunco_keys.connect("app_1", SECRET)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Token": PRIVATE + "\r\nX-Injected: 1"},
        {"X-Token": PRIVATE + "\n"},
        {"X-Token": PRIVATE + "\x00"},
        {"X-Token": PRIVATE + " é"},
        {"X-Token": " " + PRIVATE},
        {"X-Token": None},
        {"X-Token": 5},
        {"X-Token": PRIVATE.encode()},
        {f"Authorization: {PRIVATE}": "x"},
        {"": "x"},
        {5: "x"},
        [("X-Token", "x")],
        None,
    ],
    ids=[
        "crlf",
        "lf",
        "nul",
        "non-ascii",
        "leading-space",
        "none",
        "int",
        "bytes",
        "bad-name",
        "empty-name",
        "int-name",
        "not-a-mapping",
        "none-at-all",
    ],
)
def test_with_headers_refuses_what_http_cannot_send_without_quoting_it(client: sunco_keys.Client, headers: Any) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="headers") as refused:
        client.with_headers(headers)
    assert PRIVATE not in str(refused.value) and "private-token" not in repr(refused.value)


def test_with_headers_takes_what_http_can_send(client: sunco_keys.Client) -> None:
    given = {"X-Request-Id": "r-1", "X-Trace": "a b\tc", "Authorization-Extra": PRIVATE, "X-Empty": ""}
    assert checked_headers(given) == given
    derived = client.with_headers(given)
    assert {name: derived.get_httpx_client().headers[name] for name in given} == given


@pytest.mark.parametrize(
    "cookies",
    [{"trace": "x\r\ny"}, {"trace": "é"}, {"trace": "a;b=c"}, {"trace": "a b"}, {"trace": 5}, {"a b": "x"}, "trace=x"],
    ids=["crlf", "non-ascii", "semicolon", "space", "int", "bad-name", "not-a-mapping"],
)
def test_with_cookies_refuses_what_a_cookie_header_cannot_carry(client: sunco_keys.Client, cookies: Any) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="cookies"):
        client.with_cookies(cookies)


def test_with_cookies_takes_cookie_values(client: sunco_keys.Client) -> None:
    given = {"trace": "t-1", "quoted": '"v1"', "empty": "", "b64": "YWJj+/="}
    assert checked_cookies(given) == given
    assert dict(client.with_cookies(given).get_httpx_client().cookies) == given


@pytest.mark.parametrize(
    "timeout",
    [1e10, float("nan"), float("inf"), -1, 0, "5", None, True, httpx.Timeout(1e10), httpx.Timeout(5, read=-1.0)],
    ids=["huge", "nan", "inf", "negative", "zero", "str", "none", "bool", "huge-phase", "negative-phase"],
)
def test_with_timeout_refuses_what_connect_refuses(client: sunco_keys.Client, timeout: Any) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="timeout"):
        client.with_timeout(timeout)
    with pytest.raises(sunco_keys.InvalidArgumentError, match="timeout"):
        sunco_keys.connect("app_1", SECRET, timeout=timeout)


def test_with_timeout_takes_seconds_or_an_httpx_timeout(client: sunco_keys.Client) -> None:
    assert client.with_timeout(2)._timeout == httpx.Timeout(2.0)  # type: ignore[arg-type]
    unbounded = httpx.Timeout(None)
    assert client.with_timeout(unbounded)._timeout is unbounded


@pytest.mark.parametrize("name", ["key_id", "secret"])
@pytest.mark.parametrize("flaw", ["\n", "\r\n", "\x00", "\t"], ids=["lf", "crlf", "nul", "tab"])
def test_credentials_with_a_control_character_are_refused_at_connect(name: str, flaw: str) -> None:
    """A secret read from a file with its trailing newline was taken, and every call then failed with a 401."""
    credentials = {"key_id": "app_1", "secret": SECRET}
    credentials[name] += flaw
    with pytest.raises(sunco_keys.InvalidArgumentError, match=f"{name} holds a line break") as refused:
        sunco_keys.connect(credentials["key_id"], credentials["secret"])
    assert SECRET not in str(refused.value)


@pytest.mark.parametrize("auth", ["basic", "jwt"])
def test_an_unknown_scope_is_refused_whatever_the_auth(auth: str) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="scope must be one of"):
        sunco_keys.connect("app_1", SECRET, auth=auth, scope="bogus")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        {"base_url": "https://exa mple.com"},
        {"base_url": "https://example.com%0a"},
        {"proxy": "http://pro xy.corp:3128"},
    ],
    ids=["space", "percent", "proxy-space"],
)
def test_a_host_no_resolver_would_take_is_refused_at_connect(options: dict[str, Any]) -> None:
    """httpx takes a space in a host name: connect() did too, and the first call failed far from the cause."""
    with pytest.raises(sunco_keys.InvalidArgumentError, match="host"):
        sunco_keys.connect("app_1", SECRET, **options)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.smooch.io",
        "https://my_host.internal",
        "https://[::1]:8443",
        "http://127.0.0.1:5000",
        "https://xn--mnchen-3ya.de",
        "https://münchen.de",
    ],
)
def test_hosts_a_resolver_takes_are_accepted(base_url: str) -> None:
    assert sunco_keys.connect("app_1", SECRET, base_url=base_url) is not None
