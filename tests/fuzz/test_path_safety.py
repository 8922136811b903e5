"""Path safety: no value of appId, integrationId or keyId takes a request to another endpoint or host.

For every operation and each of its path parameters, Hypothesis (seeded with `SUNCO_FUZZ_SEED`) draws values:
any text, and text around the dangerous families (slashes and backslashes, dot segments, percent-encoded
sequences, `?` and `#`, CR/LF and other controls, look-alike slashes and other unicode, lone surrogates, URLs
and host names, the empty string). Each is sent, sync and asyncio, through `sunco_keys.connect(...)` to the local
server, and must either be refused before sending (InvalidArgumentError naming the parameter, and the server saw
no request), or reach the server as exactly one path segment holding exactly that value: the raw path the server
logged splits on "/" into as many segments as the template, the fixed ones unchanged, the parameter's
percent-decoded segment equal to the value; no query, no fragment, and the Host header unchanged.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sunco_keys
from sunco_keys import InvalidArgumentError
from sunco_keys.api.custom_integration_api_keys import get_custom_integration_key
from sunco_keys.models import IntegrationApiKey
from tests.fuzz import figures, spec_strategies
from tests.support.mock_api import MISSING_KEY, MockApi
from tests.support.spec import snake_case

CATEGORY = figures.CATEGORIES["test_path_safety.py"]
EXAMPLES = 40
# Values of the other path parameters: the seeds (appId, integrationId) and a key id of the right shape.
# The dangerous families, each a few characteristic pieces Hypothesis combines with arbitrary text.
FAMILIES = {
    "slash": ["/", "//", "\\", "a/b", "/v2/apps", "\\..\\"],
    "dot segment": [".", "..", "...", "./", "../", "/..", "%2e", "%2E%2E", ".%2e", "%2e%2e%2f"],
    "percent": ["%", "%2F", "%252F", "%zz", "%00", "%3F", "%23", "%2f..%2f", "%C0%AF", "%E2%88%95"],
    "query and fragment": ["?", "#", "?x=1", "#frag", "?/../", "&", ";", "=", "%3Fa=b"],
    "control": ["\r\n", "\n", "\r", "\t", "\x00", "\x7f", "\r\nHost: evil.example\r\n", " ", "\x0b", "\x1b"],
    "unicode": ["\u2215", "\uff0f", "\u2044", "\ufe68", "\uff0e\uff0e", "\u202e", "\ufeff", "ключ", "🔑", "\u0130"],
    "host": ["@evil.example", "http://evil.example/", "//evil.example", "evil.example:80", "user:pw@", ":443"],
}
SURROGATES = st.characters(categories=["Cs"])
TEXT = st.text(spec_strategies.CHARACTERS, max_size=12)


def values() -> st.SearchStrategy[str]:
    """Arbitrary text, and text around one or more pieces of the dangerous families (empty strings included)."""
    pieces = st.sampled_from([piece for family in FAMILIES.values() for piece in family])
    around = st.builds(lambda a, piece, b: a + piece + b, TEXT, pieces, TEXT)
    repeated = st.lists(st.one_of(pieces, TEXT), min_size=1, max_size=5).map("".join)
    lone = st.builds(lambda a, s, b: a + s + b, TEXT, SURROGATES, TEXT)
    return st.one_of(st.text(spec_strategies.CHARACTERS, max_size=40), pieces, around, repeated, lone, st.just(""))


PARAMETERS = {name: snake_case(name) for name in ("appId", "integrationId", "keyId")}


def cases() -> Iterator[Any]:
    for operation in spec_strategies.operations():
        name = snake_case(operation.operation_id)
        for parameter in operation.path_params:
            yield pytest.param(name, operation.method, operation.template, parameter, id=f"{name}-{parameter}")


def _call_kwargs(api: MockApi, path: str, parameter: str, value: str, method: str) -> dict[str, Any]:
    seeds = {"appId": api.app_id, "integrationId": api.integration_id, "keyId": MISSING_KEY}
    kwargs: dict[str, Any] = {PARAMETERS[name]: seeds[name] for name in re.findall(r"{(\w+)}", path)}
    kwargs[PARAMETERS[parameter]] = value
    if method == "POST":
        kwargs["body"] = IntegrationApiKey(display_name="path safety")
    return kwargs


def check(api: MockApi, path: str, parameter: str, kwargs: dict[str, Any], method: str, outcome: object) -> None:
    """`outcome` (a result or an exception) of one call with `kwargs`: `parameter`'s value refused, or sent intact."""
    value = kwargs[PARAMETERS[parameter]]
    sent = api.requests()
    if isinstance(outcome, InvalidArgumentError):
        assert sent == [], f"refused {value!r}, yet the server saw {len(sent)} request(s)"
        assert PARAMETERS[parameter] in str(outcome), f"the refusal does not name the parameter: {outcome}"
        return
    assert isinstance(outcome, sunco_keys.SuncoKeysError) or not isinstance(outcome, BaseException), (
        f"{value!r}: {type(outcome).__name__}: {outcome}"
    )
    assert len(sent) == 1, f"{value!r} was sent, yet the server saw {len(sent)} request(s)"
    (request,) = sent
    raw_path = request["raw_path"]
    assert request["method"] == method
    assert request["headers"].get("Host") == urlsplit(api.url).netloc, f"{value!r} changed the host"
    assert "?" not in raw_path and "#" not in raw_path, f"{value!r} added a query or fragment: {raw_path!r}"
    template = path.split("/")
    segments = raw_path.split("/")
    assert len(segments) == len(template), f"{value!r} became {raw_path!r}: not {len(template)} segments"
    for part, segment in zip(template, segments, strict=True):
        name = part[1:-1] if part.startswith("{") else None
        if name is None:
            assert segment == part, f"{value!r} changed the fixed segment {part!r} into {segment!r}"
        elif name == parameter:
            assert unquote(segment, errors="strict") == value, f"{value!r} arrived as {segment!r}"
        else:
            assert segment == quote(kwargs[PARAMETERS[name]], safe=""), f"{value!r} changed {name} into {segment!r}"


def _outcome(call: Any) -> object:
    try:
        return call()
    except Exception as exc:  # every exception is an outcome to judge
        return exc


@pytest.fixture(scope="module")
def clients(mock_server: MockApi) -> Iterator[tuple[sunco_keys.Client, sunco_keys.Client, asyncio.Runner]]:
    """A sync client and an async one (with the event loop it runs on), no retries: one request per call."""

    def make() -> sunco_keys.Client:
        return mock_server.connect(timeout=10.0, retries=None)

    sync_client, async_client = make(), make()
    with asyncio.Runner() as runner:
        yield sync_client, async_client, runner
        runner.run(async_client.get_async_httpx_client().aclose())
    sync_client.get_httpx_client().close()


@pytest.mark.timeout(120 * figures.SCALE)
@pytest.mark.parametrize("name, method, path, parameter", list(cases()))
def test_a_path_parameter_is_refused_or_arrives_as_exactly_one_segment(
    api: MockApi,
    clients: tuple[sunco_keys.Client, sunco_keys.Client, asyncio.Runner],
    name: str,
    method: str,
    path: str,
    parameter: str,
) -> None:
    sync_client, async_client, runner = clients
    module = importlib.import_module(f"sunco_keys.api.custom_integration_api_keys.{name}")
    seen = {"refused before sending": 0, "sent as one segment": 0}

    @figures.fuzz(EXAMPLES)
    @given(value=values())
    def run(value: str) -> None:
        kwargs = _call_kwargs(api, path, parameter, value, method)
        for mode in ("sync", "asyncio"):
            api.reset()
            if mode == "sync":
                outcome = _outcome(lambda: module.sync(client=sync_client, **kwargs))
            else:
                outcome = _outcome(lambda: runner.run(module.asyncio(client=async_client, **kwargs)))
            figures.record(CATEGORY)
            check(api, path, parameter, kwargs, method, outcome)
            verdict = "refused before sending" if isinstance(outcome, InvalidArgumentError) else "sent as one segment"
            seen[verdict] += 1
            figures.note(CATEGORY, verdict)

    run()
    assert all(seen.values()), f"the generated values never led to one of the two outcomes: {seen}"


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_the_values_no_encoding_can_keep_in_place_are_refused(api: MockApi, value: str) -> None:
    """The three values that cannot be one segment whatever the encoding (RFC 3986 removes dot segments)."""
    client = api.connect(retries=None)
    with client, pytest.raises(InvalidArgumentError, match="key_id"):
        get_custom_integration_key.sync(api.app_id, api.integration_id, value, client=client)
    assert api.requests() == []
