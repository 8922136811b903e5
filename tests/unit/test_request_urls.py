"""with_absolute_url (lib/paths.py): the URL handed to httpx is the one httpx would join, for any base and path."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import MagicMock

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import get_custom_integration_key, list_custom_integration_keys
from sunco_keys.lib.paths import path_segment, with_absolute_url
from tests.support.answering import client_answering

HOSTS = st.sampled_from(
    [
        "api.smooch.io",
        "API.Smooch.IO",
        "127.0.0.1",
        "[::1]",
        "[fe80::1%25eth0]",
        "localhost",
        "bücher.example",
        "h_x.example",
        "u%40x:p%3A@api.smooch.io",
        "ü:ö@h.example",
    ]
)
# Base paths as users spell them: none, "/", Zendesk's "/sc", encoded or unencoded odd characters, trailing slashes.
BASE_PATHS = st.one_of(
    st.sampled_from(["", "/", "/sc", "/sc/", "/a%20b/", "/a b", "/ü/x", "//double", "/sc//", "/a/../b", "/./c/"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="?#"), max_size=12).map(lambda text: "/" + text),
)
SUFFIXES = st.sampled_from(["", "", "", "?", "?a=b", "#frag", "?a=b#f"])
# Any text, with the characters that matter to a URL's structure drawn often enough to meet each other.
TEXT = st.text(st.one_of(st.sampled_from("/?#%.:@ \t"), st.characters(codec="utf-8")), max_size=16)


@st.composite
def base_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    port = draw(st.sampled_from(["", ":8080", ":443", ":80"]))
    return f"{scheme}://{draw(HOSTS)}{port}{draw(BASE_PATHS)}{draw(SUFFIXES)}"


def generated_paths() -> st.SearchStrategy[str]:
    """Paths as the endpoints build them: a fixed prefix and ids encoded by path_segment."""
    ids = TEXT.filter(lambda value: value not in ("", ".", ".."))
    return st.lists(ids, min_size=1, max_size=3).map(
        lambda values: "/v2/apps/" + "/".join(path_segment("id", value) for value in values)
    )


ANY_PATHS = st.one_of(generated_paths(), TEXT.map(lambda text: "/" + text), TEXT, st.just("//host/x"))


def offline_client(base: str) -> httpx.Client:
    """A client that sends nothing (and builds no TLS context, which would dominate the test's time)."""
    return httpx.Client(base_url=base, transport=httpx.MockTransport(lambda request: httpx.Response(204)))


def joined(client: httpx.Client, path: str | httpx.URL) -> httpx.URL | type[Exception]:
    """The URL of the request httpx builds for `path`, or the type of what it raised."""
    try:
        return client.build_request("GET", path).url
    except Exception as exc:  # noqa: BLE001 - the comparison is over whatever httpx does
        return type(exc)


def with_helper(client: httpx.Client, path: str) -> httpx.URL | type[Exception]:
    try:
        url = with_absolute_url(client, {"url": path})["url"]
    except Exception as exc:  # noqa: BLE001
        return type(exc)
    return joined(client, url)


def assert_same_join(client: httpx.Client, path: str) -> None:
    expected, actual = joined(client, path), with_helper(client, path)
    assert actual == expected
    if isinstance(expected, httpx.URL):
        assert isinstance(actual, httpx.URL)
        assert str(actual) == str(expected)
        assert actual.raw_path == expected.raw_path


@settings(max_examples=1000, deadline=None)
@given(base=base_urls(), path=ANY_PATHS)
def test_the_joined_url_is_the_one_httpx_joins(base: str, path: str) -> None:
    try:
        client = offline_client(base)
    except httpx.InvalidURL:
        assume(False)
        raise
    assert_same_join(client, path)


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a" * 65_490,  # httpx limits the path alone; joined with the base, the text would pass its limit
        "/" + "a" * 65_536,
        "/" + "ü" * 12_000,  # short as text, too long once percent-encoded
        "/" + "ü" * 10_000,
    ],
    ids=["near the limit", "at the limit", "too long encoded", "long encoded"],
)
def test_long_paths_join_as_httpx_joins_them(path: str) -> None:
    assert_same_join(offline_client("https://api.smooch.io/sc"), path)


@pytest.mark.parametrize(
    ("base", "absolute"),
    [
        ("https://api.smooch.io", "https://api.smooch.io/v2/apps/a%2Fb"),
        ("https://acme.zendesk.com/sc", "https://acme.zendesk.com/sc/v2/apps/a%2Fb"),
        ("http://127.0.0.1:8080/sc/", "http://127.0.0.1:8080/sc/v2/apps/a%2Fb"),
    ],
)
def test_a_generated_path_becomes_one_absolute_url(base: str, absolute: str) -> None:
    url = with_absolute_url(offline_client(base), {"url": "/v2/apps/" + path_segment("app_id", "a/b")})["url"]
    assert isinstance(url, httpx.URL)
    assert str(url) == absolute


@pytest.mark.parametrize(
    ("base", "path"),
    [
        ("", "/v2/apps/a"),  # no base URL: httpx's own error for a relative URL
        ("https://h/sc?tenant=1", "/v2/apps/a"),  # a base with a query joins oddly in httpx: left to it
        ("https://h/sc#f", "/v2/apps/a"),
        ("https://h/sc", "//other/v2"),
        ("https://h/sc", "/v2/apps/a#f"),
        ("https://h/sc", "v2/apps/a"),
        ("https://h/sc", "/" + "a" * 65_536),
    ],
)
def test_what_httpx_joins_differently_is_left_to_it(base: str, path: str) -> None:
    kwargs = {"url": path}
    assert with_absolute_url(offline_client(base), kwargs)["url"] is path


def not_found(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"errors": [{"code": "not_found", "title": "nope"}]})


def test_a_stand_in_client_gets_the_relative_path() -> None:
    """A mock set with set_httpx_client (as tests of generated clients do) sees the path the generator wrote."""
    stand_in = MagicMock()
    stand_in.request.return_value = not_found(httpx.Request("GET", "https://api.smooch.io/"))
    client = sunco_keys.Client(base_url="https://api.smooch.io")
    client.set_httpx_client(stand_in)
    get_custom_integration_key.sync_detailed("a", "i", "k", client=client)
    assert stand_in.request.call_args.kwargs == {"method": "get", "url": "/v2/apps/a/integrations/i/keys/k"}
    assert with_absolute_url(object(), {"url": "/v2"}) == {"url": "/v2"}  # type: ignore[arg-type]


def record_urls(monkeypatch: pytest.MonkeyPatch, client_class: type[httpx.Client | httpx.AsyncClient]) -> list[Any]:
    """The URL arguments that requests of `client_class` are built from, as a list that fills as they are."""
    urls: list[Any] = []
    build_request = client_class.build_request

    def recording(self: Any, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        urls.append(url)
        return build_request(self, method, url, **kwargs)

    monkeypatch.setattr(client_class, "build_request", recording)
    return urls


@pytest.mark.parametrize("client_class", [sunco_keys.Client, sunco_keys.AuthenticatedClient])
def test_the_endpoints_hand_httpx_the_joined_absolute_url_sync_and_async(
    client_class: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs: dict[str, Any] = {"token": "t"} if client_class is sunco_keys.AuthenticatedClient else {}
    client = client_class(base_url="https://acme.zendesk.com/sc", **kwargs)
    transport = httpx.MockTransport(not_found)
    client.set_httpx_client(httpx.Client(base_url="https://acme.zendesk.com/sc", transport=transport))
    client.set_async_httpx_client(httpx.AsyncClient(base_url="https://other.example/x/", transport=transport))
    sync_urls, async_urls = record_urls(monkeypatch, httpx.Client), record_urls(monkeypatch, httpx.AsyncClient)
    get_custom_integration_key.sync_detailed("app 1", "int/2", "..k", client=client)
    asyncio.run(list_custom_integration_keys.asyncio_detailed("app 1", "int/2", client=client))
    urls = sync_urls + async_urls
    assert all(isinstance(url, httpx.URL) for url in urls), urls  # not a relative path for httpx to parse twice
    assert [str(url) for url in urls] == [
        "https://acme.zendesk.com/sc/v2/apps/app%201/integrations/int%2F2/keys/..k",
        "https://other.example/x/v2/apps/app%201/integrations/int%2F2/keys",
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_call_on_a_closed_client_is_refused_as_an_invalid_argument(mode: str) -> None:
    """httpx raised a bare RuntimeError ("the client has been closed") at the call."""
    client = client_answering(200, b'{"keys": []}')
    args = ("app", "integration")
    with pytest.raises(sunco_keys.InvalidArgumentError, match="this client is closed"):
        if mode == "sync":
            with client:
                list_custom_integration_keys.sync(*args, client=client)
            list_custom_integration_keys.sync(*args, client=client)
        else:

            async def twice() -> None:
                async with client:
                    await list_custom_integration_keys.asyncio(*args, client=client)
                await list_custom_integration_keys.asyncio(*args, client=client)

            asyncio.run(twice())


class _FailingToStart(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport whose own start fails: a RuntimeError that is not httpx's "already open"."""

    def __enter__(self) -> _FailingToStart:
        raise RuntimeError("pool init failed")

    async def __aenter__(self) -> _FailingToStart:
        raise RuntimeError("pool init failed")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_with_block_still_raises_what_a_transport_fails_with_at_its_start(mode: str) -> None:
    client = sunco_keys.Client(base_url="https://api.smooch.io", httpx_args={"transport": _FailingToStart()})
    with pytest.raises(RuntimeError, match="pool init failed"):
        if mode == "sync":
            with client:
                pass
        else:

            async def enter() -> None:
                async with client:
                    pass

            asyncio.run(enter())
