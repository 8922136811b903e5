"""What the fuzz campaign found, each pinned by the smallest case that showed it (each fails without its fix).

- decode: a JSON array or string where an object or a list belongs was turned into a model (dict() makes
  {"a": "b"} of ["ab"], an empty list of "" or {}), so a garbled list answer read as "no keys";
- decode: a 2xx status HTTPStatus does not know (209, 299) escaped as ValueError from the generated
  `_build_response`, and so did a documented 5XX such as 520 on a bare generated Client;
- decode and errors: JSON nested deeper than the recursion limit escaped as RecursionError; NaN and Infinity
  (not JSON, though Python reads them) were taken inconsistently (an unknown member holding NaN made the body
  undecodable, one holding Infinity did not);
- errors: ApiError.errors held Error objects whose `code` or `title` broke their own annotations (None, 0, [..]);
- paths: a lone surrogate in a path parameter escaped as UnicodeEncodeError instead of being refused;
- transport (asyncio): aiohttp silently sent a GET or DELETE again when a reused connection was dropped, even
  with retries=None (sync calls did not);
- local server: a path holding %0A fell through to aiohttp's own plain-text 404; a fault with status 204 or 304
  and a body wrote that body on the wire, corrupting the next answer on the connection.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import get_custom_integration_key, list_custom_integration_keys
from sunco_keys.lib.decode import check_types, decode_body
from sunco_keys.lib.errors import parse_errors
from tests.support.mock_api import MISSING_KEY, MockApi

DEEP = "[" * 100_000 + "]" * 100_000


def connect(api: MockApi) -> sunco_keys.Client:
    return api.connect(retries=None, timeout=10.0)


@pytest.mark.parametrize(
    "module, body",
    [
        (get_custom_integration_key, {"key": ["ab"]}),
        (get_custom_integration_key, {"key": [["id", "int_x"], ["secret", "s"]]}),
        (list_custom_integration_keys, {"keys": ""}),
        (list_custom_integration_keys, {"keys": {}}),
        (list_custom_integration_keys, {"keys": [["ab"]]}),
    ],
    ids=["key-list", "key-pairs", "keys-string", "keys-object", "keys-item-list"],
)
def test_an_array_or_string_where_an_object_or_list_belongs_is_undecodable(module: object, body: object) -> None:
    client = sunco_keys.Client(base_url="http://127.0.0.1:9", raise_on_unexpected_status=True)
    parse = module._parse_response  # type: ignore[attr-defined]
    with pytest.raises(sunco_keys.ResponseDecodeError, match="documented shape"):
        decode_body(parse, client=client, response=httpx.Response(200, json=body))


@pytest.mark.parametrize("status", [209, 299])
def test_a_2xx_status_httpstatus_does_not_know_is_undecodable(api: MockApi, status: int) -> None:
    api.inject({"status": status, "body": "raw", "raw_body": '{"keys": []}'})
    with connect(api) as client, pytest.raises(sunco_keys.ResponseDecodeError) as raised:
        list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
    assert raised.value.status_code == status


def test_a_documented_5xx_httpstatus_does_not_know_is_undecodable_for_a_bare_client(api: MockApi) -> None:
    api.inject({"status": 520, "body": "json"})
    with sunco_keys.Client(base_url=api.url) as client, pytest.raises(sunco_keys.ResponseDecodeError, match="520"):
        list_custom_integration_keys.sync_detailed(api.app_id, api.integration_id, client=client)


def test_json_nested_past_the_recursion_limit_is_undecodable_or_has_no_errors(api: MockApi) -> None:
    api.inject(
        {"status": 200, "body": "raw", "raw_body": f'{{"keys": {DEEP}}}'},
        {"status": 503, "body": "raw", "raw_body": f'{{"errors": {DEEP}}}'},
    )
    with connect(api) as client:
        with pytest.raises(sunco_keys.ResponseDecodeError):
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
        with pytest.raises(sunco_keys.ServerError) as raised:
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
    assert raised.value.errors == []
    assert parse_errors(f'{{"errors": {DEEP}}}'.encode()) == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(api: MockApi, constant: str) -> None:
    api.inject(
        {"status": 200, "body": "raw", "raw_body": f'{{"keys": [], "unknown": {constant}}}'},
        {"status": 404, "body": "raw", "raw_body": f'{{"errors": [{{"code": "not_found", "x": {constant}}}]}}'},
    )
    with connect(api) as client:
        with pytest.raises(sunco_keys.ResponseDecodeError, match="not JSON"):
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
        with pytest.raises(sunco_keys.NotFoundError) as raised:
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
    assert raised.value.errors == []


def test_api_errors_hold_only_errors_of_the_documented_shape(api: MockApi) -> None:
    items = [{"code": None}, {"code": "not_found", "title": 0}, {"title": ["x"]}, {"code": "not_found", "title": "t"}]
    api.inject({"status": 404, "body": "raw", "raw_body": json.dumps({"errors": items})})
    with connect(api) as client, pytest.raises(sunco_keys.NotFoundError) as raised:
        get_custom_integration_key.sync(api.app_id, api.integration_id, MISSING_KEY, client=client)
    assert [error.to_dict() for error in raised.value.errors] == [{"code": "not_found", "title": "t"}]
    for error in raised.value.errors:
        check_types(error)


@pytest.mark.parametrize("key_id", ["\ud800", "int_\udfff", "a\ud83d"])
def test_a_lone_surrogate_in_a_path_parameter_is_refused_before_sending(api: MockApi, key_id: str) -> None:
    with connect(api) as client, pytest.raises(sunco_keys.InvalidArgumentError, match="key_id"):
        get_custom_integration_key.sync(api.app_id, api.integration_id, key_id, client=client)
    assert api.requests() == []


def test_an_async_call_without_retries_is_sent_once_when_the_connection_drops(api: MockApi) -> None:
    async def run() -> None:
        async with connect(api) as client:
            # A first call leaves a connection in the pool; the server drops the second call's on it.
            await list_custom_integration_keys.asyncio(api.app_id, api.integration_id, client=client)
            api.inject({"status": 200, "drop": True})
            with pytest.raises(sunco_keys.TransportError):
                await list_custom_integration_keys.asyncio(api.app_id, api.integration_id, client=client)

    asyncio.run(run())
    assert [entry["status"] for entry in api.requests()] == [200, "dropped"]


def test_the_local_server_answers_a_path_with_an_encoded_newline_as_the_api(api: MockApi) -> None:
    response = httpx.get(f"{api.url}/v2/apps/a%0Ab/integrations/x/keys", auth=(api.key_id, api.secret))
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("status", [204, 304])
def test_the_local_server_sends_no_body_where_http_allows_none(api: MockApi, status: int) -> None:
    api.inject({"status": status, "body": "raw", "raw_body": '{"keys": []}'})
    path = f"/v2/apps/{api.app_id}/integrations/{api.integration_id}/keys"
    with httpx.Client(base_url=api.url, auth=(api.key_id, api.secret)) as client:
        first = client.get(path)
        second = client.get(path)  # on the same connection: it must not start with the first one's body
    assert (first.status_code, first.content) == (status, b"")
    assert (second.status_code, second.json()) == (200, {"keys": []})
