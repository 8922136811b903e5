"""The local server's own rules, observed over real sockets with plain httpx (no connect(), no retries).

Auth, validation, limits, every answer against openapi.yaml, each fault kind as it appears on the wire, the request
log, and the process itself (first stdout line, clean exit on signals).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jwt
import pytest

from tests.support.mock_api import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET,
    MISSING_KEY,
    SECRET_ENV,
    SERVER_SCRIPT,
    MockApi,
    MockApiError,
)
from tests.support.spec import spec

KEYS_TEMPLATE = "/v2/apps/{appId}/integrations/{integrationId}/keys"
KEY_TEMPLATE = KEYS_TEMPLATE + "/{keyId}"
UNAUTHORIZED = {"errors": [{"code": "unauthorized", "title": "Authorization is required"}]}
NOT_FOUND = {"errors": [{"code": "not_found", "title": "Resource not found"}]}
NON_CUSTOM = {"errors": [{"code": "bad_request", "title": "API keys are available only for custom integrations"}]}
WRONG_SECRET = "W" * 86
# One TLS context for every client: the server is plain http on loopback, and httpx would build (and load the CA
# bundle into) a new one for each client, some 40 ms apiece.
TLS = ssl.create_default_context()


# --- helpers -------------------------------------------------------------------------------------------------------


def keys_path(api: MockApi, integration: str | None = None, app: str | None = None) -> str:
    return f"/v2/apps/{app or api.app_id}/integrations/{integration or api.integration_id}/keys"


def key_path(api: MockApi, key_id: str, integration: str | None = None) -> str:
    return f"{keys_path(api, integration)}/{key_id}"


def client_for(api: MockApi, auth: httpx.Auth | None = None) -> httpx.Client:
    return httpx.Client(base_url=api.url, auth=auth, trust_env=False, verify=TLS)


@pytest.fixture
def http(api: MockApi) -> Iterator[httpx.Client]:
    """A plain httpx client with the server's Basic credentials."""
    with client_for(api, httpx.BasicAuth(api.key_id, api.secret)) as client:
        yield client


@pytest.fixture
def anon(api: MockApi) -> Iterator[httpx.Client]:
    """A plain httpx client without credentials."""
    with client_for(api) as client:
        yield client


def create(http: httpx.Client, api: MockApi, name: str = "key") -> dict[str, Any]:
    response = http.post(keys_path(api), json={"displayName": name})
    assert response.status_code == 201, response.text
    key: dict[str, Any] = response.json()["key"]
    return key


def list_ids(http: httpx.Client, api: MockApi) -> list[str]:
    response = http.get(keys_path(api))
    assert response.status_code == 200
    return [key["id"] for key in response.json()["keys"]]


def is_json(response: httpx.Response) -> bool:
    return bool(response.headers.get("Content-Type", "").split(";")[0] == "application/json")


def assert_conforms(response: httpx.Response, template: str) -> None:
    """The status is documented for the operation and the body valid under its schema.

    Except 405 (a method the path does not have): outside the spec on purpose, an errorResponse with `Allow`.
    """
    assert is_json(response), response.headers.get("Content-Type")
    what = f"{response.request.method} {template} {response.status_code}"
    if response.status_code == 405:
        assert response.headers["Allow"]
        spec().validate("/components/schemas/errorResponse", response.json(), what)
        return
    operation = spec().match(response.request.method, template, what)
    spec().validate(spec().response_schema_pointer(operation, response.status_code), response.json(), what)


# --- every answer against the spec ---------------------------------------------------------------------------------


def test_every_kind_of_answer_conforms_to_the_spec(api: MockApi, http: httpx.Client, anon: httpx.Client) -> None:
    other = api.non_custom_integration_id
    key = create(http, api)
    answers: list[tuple[httpx.Response, str]] = [
        (http.get(keys_path(api)), KEYS_TEMPLATE),
        (http.get(key_path(api, key["id"])), KEY_TEMPLATE),
        (http.post(keys_path(api), json={"displayName": "x" * 100}), KEYS_TEMPLATE),
        (http.post(keys_path(api), json={"displayName": ""}), KEYS_TEMPLATE),
        (http.post(keys_path(api), json={}), KEYS_TEMPLATE),
        (http.post(keys_path(api), json=["displayName"]), KEYS_TEMPLATE),
        (http.post(keys_path(api), content=b"{", headers={"Content-Type": "application/json"}), KEYS_TEMPLATE),
        (http.post(keys_path(api), content=b"{}", headers={"Content-Type": "text/plain"}), KEYS_TEMPLATE),
        (http.post(keys_path(api), json={"displayName": "x" * 200_000}), KEYS_TEMPLATE),
        (http.get(keys_path(api, other)), KEYS_TEMPLATE),
        (http.post(keys_path(api, other), json={"displayName": "x"}), KEYS_TEMPLATE),
        (http.get(key_path(api, MISSING_KEY, other)), KEY_TEMPLATE),
        (http.delete(key_path(api, MISSING_KEY, other)), KEY_TEMPLATE),
        (http.get(keys_path(api, app="nope")), KEYS_TEMPLATE),
        (http.get(key_path(api, MISSING_KEY)), KEY_TEMPLATE),
        (http.delete(key_path(api, MISSING_KEY)), KEY_TEMPLATE),
        (http.put(keys_path(api)), KEYS_TEMPLATE),
        (http.patch(key_path(api, key["id"])), KEY_TEMPLATE),
        (anon.get(keys_path(api)), KEYS_TEMPLATE),
        (http.delete(key_path(api, key["id"])), KEY_TEMPLATE),
    ]
    for response, template in answers:
        assert_conforms(response, template)
    statuses = [response.status_code for response, _ in answers]
    assert statuses == [
        200,
        200,
        201,
        400,
        400,
        400,
        400,
        400,
        413,
        400,
        400,
        400,
        400,
        404,
        404,
        404,
        405,
        405,
        401,
        200,
    ]


# --- authentication ------------------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url_json(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def token(
    api: MockApi,
    *,
    secret: str | None = None,
    kid: str | None = "",
    algorithm: str = "HS256",
    **claims: Any,
) -> str:
    """A JWT for the server's key, `scope` "app" unless `claims` say otherwise; a None kid or claim is left out."""
    headers = {"typ": "JWT"} if kid is None else {"kid": kid or api.key_id, "typ": "JWT"}
    payload = {name: value for name, value in {"scope": "app", **claims}.items() if value is not None}
    return jwt.encode(payload, secret or api.secret, algorithm=algorithm, headers=headers)


def unsigned_token(api: MockApi) -> str:
    """An `alg: none` token: header and payload, empty signature."""
    header = b64url_json({"alg": "none", "kid": api.key_id, "typ": "JWT"})
    return f"{header}.{b64url_json({'scope': 'app'})}."


REFUSED: dict[str, Callable[[MockApi], str | None]] = {
    "missing": lambda api: None,
    "basic-wrong-secret": lambda api: "Basic " + b64(f"{api.key_id}:{WRONG_SECRET}".encode()),
    "basic-wrong-key-id": lambda api: "Basic " + b64(f"app_000000000000000000000000:{api.secret}".encode()),
    "basic-no-colon": lambda api: "Basic " + b64(f"{api.key_id}{api.secret}".encode()),
    "basic-not-base64": lambda api: "Basic !!!not-base64!!!",
    "basic-empty": lambda api: "Basic",
    "unknown-scheme": lambda api: "Digest username=x",
    "bearer-empty": lambda api: "Bearer",
    "bearer-not-a-jwt": lambda api: "Bearer not.a.jwt",
    "jwt-bad-signature": lambda api: "Bearer " + token(api, secret=WRONG_SECRET),
    "jwt-wrong-kid": lambda api: "Bearer " + token(api, kid="app_000000000000000000000000"),
    "jwt-no-kid": lambda api: "Bearer " + token(api, kid=None),
    "jwt-scope-account": lambda api: "Bearer " + token(api, scope="account"),
    "jwt-scope-integration": lambda api: "Bearer " + token(api, scope="integration"),
    "jwt-no-scope": lambda api: "Bearer " + token(api, scope=None),
    "jwt-alg-none": lambda api: "Bearer " + unsigned_token(api),
    "jwt-hs512": lambda api: "Bearer " + token(api, algorithm="HS512"),
    "jwt-expired": lambda api: "Bearer " + token(api, exp=int(time.time()) - 60),
}
ACCEPTED: dict[str, Callable[[MockApi], str]] = {
    "basic": lambda api: "Basic " + b64(f"{api.key_id}:{api.secret}".encode()),
    "basic-lowercase-scheme": lambda api: "basic " + b64(f"{api.key_id}:{api.secret}".encode()),
    "jwt": lambda api: "Bearer " + token(api),
    "jwt-not-yet-expired": lambda api: "Bearer " + token(api, exp=int(time.time()) + 600),
}


@pytest.mark.parametrize("case", REFUSED)
def test_bad_credentials_are_refused_with_401(api: MockApi, anon: httpx.Client, case: str) -> None:
    value = REFUSED[case](api)
    headers = {} if value is None else {"Authorization": value}
    response = anon.get(keys_path(api), headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert is_json(response)


@pytest.mark.parametrize("case", ACCEPTED)
def test_good_credentials_are_accepted(api: MockApi, anon: httpx.Client, case: str) -> None:
    response = anon.get(keys_path(api), headers={"Authorization": ACCEPTED[case](api)})
    assert response.status_code == 200
    assert response.json() == {"keys": []}


def test_refused_requests_change_nothing(api: MockApi, http: httpx.Client, anon: httpx.Client) -> None:
    key = create(http, api)
    assert anon.post(keys_path(api), json={"displayName": "x"}).status_code == 401
    assert anon.delete(key_path(api, key["id"])).status_code == 401
    assert list_ids(http, api) == [key["id"]]


# --- the rules of the API ------------------------------------------------------------------------------------------


def test_created_keys_are_well_formed_listed_in_order_and_deleted(api: MockApi, http: httpx.Client) -> None:
    keys = [create(http, api, f"k{n}") for n in range(3)]
    for key in keys:
        assert re.fullmatch(r"int_[0-9a-f]{24}", key["id"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{86}", key["secret"])
    assert list_ids(http, api) == [key["id"] for key in keys]
    assert http.get(key_path(api, keys[1]["id"])).json() == {"key": keys[1]}
    deleted = http.delete(key_path(api, keys[1]["id"]))
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert list_ids(http, api) == [keys[0]["id"], keys[2]["id"]]
    for response in (http.get(key_path(api, keys[1]["id"])), http.delete(key_path(api, keys[1]["id"]))):
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_keys_of_a_non_custom_integration_are_refused(api: MockApi, http: httpx.Client) -> None:
    other = api.non_custom_integration_id
    responses = [
        http.get(keys_path(api, other)),
        http.post(keys_path(api, other), json={"displayName": "x"}),
        http.get(key_path(api, MISSING_KEY, other)),
        http.delete(key_path(api, MISSING_KEY, other)),
    ]
    assert [(r.status_code, r.json()) for r in responses] == [(400, NON_CUSTOM)] * 4


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v2/apps",
        "/v2/apps/5d8cff3cd55b040010928b5b/integrations/029c31f25a21b47effd7be90",
        "/v2/apps/5d8cff3cd55b040010928b5b/integrations/029c31f25a21b47effd7be90/keys/a/b",
        "/v1/apps/5d8cff3cd55b040010928b5b/integrations/029c31f25a21b47effd7be90/keys",
    ],
)
def test_unknown_paths_answer_404_even_without_credentials(anon: httpx.Client, path: str) -> None:
    response = anon.get(path)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_unknown_app_integration_or_key_answer_404(api: MockApi, http: httpx.Client) -> None:
    paths = [
        keys_path(api, app="5d8cff3cd55b040010928b5c"),
        keys_path(api, integration="029c31f25a21b47effd7be91"),
        key_path(api, MISSING_KEY),
        "/v2/apps/a%2Fb/integrations/x/keys",
    ]
    for path in paths:
        response = http.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path


@pytest.mark.parametrize(
    ("document", "title"),
    [
        ({"displayName": ""}, "displayName must be between 1 and 100 characters"),
        ({"displayName": "x" * 101}, "displayName must be between 1 and 100 characters"),
        ({}, "displayName is required"),
        ({"name": "x"}, "displayName is required"),
        ({"displayName": None}, "displayName must be a string"),
        ({"displayName": 7}, "displayName must be a string"),
        (["displayName"], "The request body must be a valid JSON object"),
        ("x", "The request body must be a valid JSON object"),
    ],
)
def test_invalid_create_bodies_are_refused_with_400(
    api: MockApi, http: httpx.Client, document: Any, title: str
) -> None:
    response = http.post(keys_path(api), json=document)
    assert (response.status_code, response.json()) == (400, {"errors": [{"code": "bad_request", "title": title}]})
    assert list_ids(http, api) == []


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"displayName": "x"}', "text/plain"),
        (b'{"displayName": "x"}', None),
        (b'{"displayName": "x"}', "application/x-www-form-urlencoded"),
        (b'{"displayName": ', "application/json"),
        (b"\xff\xfe", "application/json"),
    ],
)
def test_create_needs_a_json_body_labelled_as_json(
    api: MockApi, http: httpx.Client, content: bytes, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = http.post(keys_path(api), content=content, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"


def test_json_with_a_charset_parameter_is_accepted(api: MockApi, http: httpx.Client) -> None:
    response = http.post(
        keys_path(api), content=b'{"displayName": "x"}', headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 201


def test_display_name_limits_count_characters_not_bytes(api: MockApi, http: httpx.Client) -> None:
    assert create(http, api, "ü" * 100)["displayName"] == "ü" * 100
    assert create(http, api, "x")["displayName"] == "x"


def test_a_body_of_exactly_100_kb_is_read_and_one_byte_more_is_not(api: MockApi, http: httpx.Client) -> None:
    def body(size: int) -> bytes:
        head = b'{"displayName": "edge", "padding": "'
        return head + b"x" * (size - len(head) - 2) + b'"}'

    headers = {"Content-Type": "application/json"}
    assert http.post(keys_path(api), content=body(102_400), headers=headers).status_code == 201
    assert http.post(keys_path(api), content=body(102_401), headers=headers).status_code == 413


def test_bodies_over_100_kb_answer_413(api: MockApi, http: httpx.Client) -> None:
    response = http.post(keys_path(api), json={"displayName": "x" * 150_000})
    assert response.status_code == 413
    assert response.json() == {
        "errors": [{"code": "payload_too_large", "title": "Request body must be at most 100 kB"}]
    }
    padded = {"displayName": "ok", "padding": "x" * 90_000}
    assert http.post(keys_path(api), json=padded).status_code == 201


def test_an_integration_holds_at_most_ten_keys(api: MockApi, http: httpx.Client) -> None:
    for n in range(10):
        create(http, api, f"k{n}")
    response = http.post(keys_path(api), json={"displayName": "eleventh"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "bad_request" and "at most 10 keys" in error["title"]
    assert len(list_ids(http, api)) == 10


async def test_concurrent_creates_never_exceed_the_limit(api: MockApi) -> None:
    auth = httpx.BasicAuth(api.key_id, api.secret)
    async with httpx.AsyncClient(base_url=api.url, auth=auth, trust_env=False, verify=TLS) as client:
        responses = await asyncio.gather(
            *(client.post(keys_path(api), json={"displayName": f"c{n}"}) for n in range(16))
        )
        listed = (await client.get(keys_path(api))).json()["keys"]
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 10 + [400] * 6
    created = {response.json()["key"]["id"] for response in responses if response.status_code == 201}
    assert len(created) == 10
    assert {key["id"] for key in listed} == created


def test_a_method_the_path_does_not_have_answers_405_with_allow(
    api: MockApi, http: httpx.Client, anon: httpx.Client
) -> None:
    collection = http.put(keys_path(api), json={"displayName": "x"})
    assert (collection.status_code, collection.headers["Allow"]) == (405, "GET, POST")
    assert collection.json()["errors"][0]["code"] == "method_not_allowed"
    item = http.post(key_path(api, MISSING_KEY), json={"displayName": "x"})
    assert (item.status_code, item.headers["Allow"]) == (405, "DELETE, GET")
    assert anon.put(keys_path(api)).status_code == 401
    assert list_ids(http, api) == []


def test_reset_removes_keys_faults_and_the_log(api: MockApi, http: httpx.Client) -> None:
    create(http, api)
    api.inject({"status": 503})
    api.reset()
    assert api.faults() == []
    assert api.requests() == []
    assert list_ids(http, api) == []
    assert [entry["status"] for entry in api.requests()] == [200]


# --- faults --------------------------------------------------------------------------------------------------------


def test_status_fault_with_retry_after_answers_without_processing(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 503, "retry_after": "1", "method": "POST"})
    response = http.post(keys_path(api), json={"displayName": "x"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {"errors": [{"code": "service_unavailable", "title": "Service unavailable"}]}
    assert list_ids(http, api) == []
    assert create(http, api)["displayName"] == "key"


def test_status_fault_429_has_a_rate_limit_error_body(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 429})
    response = http.get(keys_path(api))
    assert response.status_code == 429 and "Retry-After" not in response.headers
    assert response.json()["errors"][0]["code"] == "too_many_requests"


def test_a_status_below_400_replaces_only_the_status(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 200, "method": "POST"})
    response = http.post(keys_path(api), json={"displayName": "x"})
    assert response.status_code == 200
    assert list_ids(http, api) == [response.json()["key"]["id"]]


def test_delay_fault_delays_a_normally_processed_answer(api: MockApi, http: httpx.Client) -> None:
    api.inject({"delay": 0.3})
    started = time.monotonic()
    response = http.post(keys_path(api), json={"displayName": "slow"})
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 201
    assert list_ids(http, api) == [response.json()["key"]["id"]]


def test_malformed_body_is_not_json(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 500, "body": "malformed"})
    response = http.get(keys_path(api))
    assert response.status_code == 500 and is_json(response)
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_html_body_is_a_proxy_error_page(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 502, "body": "html"})
    response = http.get(keys_path(api))
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>") and "502 Bad Gateway" in response.text


def test_empty_body_has_no_content(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 503, "body": "empty"})
    response = http.get(keys_path(api))
    assert response.status_code == 503
    assert response.content == b""
    assert response.headers["Content-Length"] == "0" and "Content-Type" not in response.headers


def test_raw_body_is_sent_as_is_with_the_content_type_given(api: MockApi, http: httpx.Client) -> None:
    api.inject({"body": "raw", "raw_body": "[1, 2]", "content_type": "text/plain"})
    response = http.get(keys_path(api))
    assert response.status_code == 200
    assert response.content == b"[1, 2]" and response.headers["Content-Type"] == "text/plain"


def test_truncated_body_breaks_the_read(api: MockApi, http: httpx.Client) -> None:
    create(http, api)
    api.inject({"body": "truncated", "method": "GET"})
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete|complete message body"):
        http.get(keys_path(api))
    assert api.requests()[-1]["status"] == 200
    assert len(list_ids(http, api)) == 1


@pytest.mark.parametrize("status", [204, 304])
def test_truncated_with_no_body_to_cut_is_a_whole_answer_announcing_its_close(
    api: MockApi, http: httpx.Client, status: int
) -> None:
    api.inject({"body": "truncated", "status": status, "method": "GET"})
    response = http.get(keys_path(api))
    assert response.status_code == status and response.content == b""
    assert response.headers["Connection"] == "close"  # so no client sends its next request on it
    assert list_ids(http, api) == []


def test_drop_closes_the_connection_without_an_answer(api: MockApi, http: httpx.Client) -> None:
    api.inject({"drop": True, "method": "GET"})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get(keys_path(api))
    assert api.requests()[-1]["status"] == "dropped"
    assert list_ids(http, api) == []


def test_drop_without_status_loses_the_answer_but_not_the_change(api: MockApi, http: httpx.Client) -> None:
    api.inject({"drop": True, "method": "POST"})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.post(keys_path(api), json={"displayName": "lost"})
    assert len(list_ids(http, api)) == 1


def test_drop_with_an_error_status_changes_nothing(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 503, "drop": True, "method": "POST"})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.post(keys_path(api), json={"displayName": "lost"})
    assert list_ids(http, api) == []


def test_drip_sends_the_body_a_byte_at_a_time(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 404, "drip": 0.01, "method": "GET"})
    with http.stream("GET", keys_path(api)) as response:
        chunks = list(response.iter_raw())
    assert response.status_code == 404
    assert len(chunks) > 10 and all(len(chunk) == 1 for chunk in chunks)
    assert json.loads(b"".join(chunks))["errors"][0]["code"] == "not_found"


def test_endless_body_streams_until_the_client_hangs_up(api: MockApi, http: httpx.Client) -> None:
    api.inject({"body": "endless", "method": "GET"})
    received = 0
    with http.stream("GET", keys_path(api)) as response:
        assert "Content-Length" not in response.headers and response.headers["Transfer-Encoding"] == "chunked"
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > 4 * 1024 * 1024:
                break
    assert received > 4 * 1024 * 1024
    assert http.get(keys_path(api)).status_code == 200  # the server goes on serving


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_compress_sends_the_answer_in_that_content_coding(api: MockApi, http: httpx.Client, coding: str) -> None:
    created = http.post(keys_path(api), json={"displayName": "packed"}).json()["key"]
    api.inject({"compress": coding, "method": "GET"})
    with http.stream("GET", keys_path(api)) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["Content-Encoding"] == coding and "Content-Length" not in response.headers
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)
    assert json.loads(decoder.decompress(raw))["keys"][0]["id"] == created["id"]
    assert "Content-Encoding" not in http.get(keys_path(api)).headers  # one request only


def test_content_encoding_labels_a_body_not_in_that_coding(api: MockApi, http: httpx.Client) -> None:
    api.inject({"content_encoding": "br", "method": "GET"})
    with http.stream("GET", keys_path(api)) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["Content-Encoding"] == "br" and json.loads(raw) == {"keys": []}


def test_an_endless_compressed_body_decodes_to_far_more_than_it_sends(api: MockApi, http: httpx.Client) -> None:
    api.inject({"body": "endless", "compress": "gzip", "method": "GET"})
    sent = decoded = 0
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with http.stream("GET", keys_path(api)) as response:
        for chunk in response.iter_raw():
            sent += len(chunk)
            decoded += len(decoder.decompress(chunk))
            if decoded > 64 * 1024 * 1024:
                break
    assert decoded > 64 * 1024 * 1024 and sent * 100 < decoded


def test_faults_apply_in_order_times_over(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 502}, {"status": 503, "times": 2})
    assert [http.get(keys_path(api)).status_code for _ in range(4)] == [502, 503, 503, 200]
    assert api.faults() == []


def test_method_and_path_filters_choose_the_requests_faulted(api: MockApi, http: httpx.Client) -> None:
    other = keys_path(api, api.non_custom_integration_id)
    api.inject({"status": 504, "method": "delete"}, {"status": 500, "path": other})
    assert http.get(keys_path(api)).status_code == 200
    assert http.get(other + "/" + MISSING_KEY).status_code == 500  # a prefix
    assert http.get(other).status_code == 400  # consumed: the rule answers
    assert http.delete(key_path(api, MISSING_KEY)).status_code == 504
    assert http.delete(key_path(api, MISSING_KEY)).status_code == 404


def test_control_api_is_neither_faulted_nor_logged(api: MockApi, http: httpx.Client) -> None:
    api.inject({"status": 503, "times": 3})
    assert len(api.faults()) == 1 and api.faults()[0]["times"] == 3
    assert api.requests() == []
    assert http.get(keys_path(api)).status_code == 503
    assert api.faults()[0]["times"] == 2


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 99},
        {"status": "503"},
        {"status": True},
        {"body": "xml"},
        {"body": "raw"},
        {"delay": -1},
        {"delay": "1"},
        {"times": 0},
        {"drop": "yes"},
        {"drip": 0},
        {"drip": 61},
        {"drip": True},
        {"path": "v2/apps"},
        {"retry_after": 1},
        {"set_cookie": "a=b\r\nX-Injected: 1"},
        {"content_type": "text/html\n"},
        {"compress": "br"},
        {"compress": True},
        {"content_encoding": 1},
        {"content_encoding": "gzip", "compress": "gzip"},
        {"stauts": 503},
    ],
)
def test_invalid_faults_are_refused_and_none_is_queued(api: MockApi, fault: dict[str, object]) -> None:
    with pytest.raises(MockApiError, match="400"):
        api.inject({"status": 503}, fault)
    assert api.faults() == []


def test_faults_body_must_be_a_list_of_objects(api: MockApi, anon: httpx.Client) -> None:
    documents: list[object] = [{"faults": {"status": 503}}, {"fault": []}, [], {"faults": [1]}]
    for document in documents:
        response = anon.post("/__mock__/faults", json=document)
        assert response.status_code == 400 and "error" in response.json()
    assert anon.get("/__mock__/nothing").status_code == 404


# --- the request log -----------------------------------------------------------------------------------------------


def test_request_log_records_raw_paths_exactly(api: MockApi, http: httpx.Client) -> None:
    http.get("/v2/apps/a%2Fb/integrations/c%20d/keys?x=%2F")
    [entry] = api.requests()
    assert entry["raw_path"] == "/v2/apps/a%2Fb/integrations/c%20d/keys?x=%2F"
    assert entry["path"] == "/v2/apps/a/b/integrations/c d/keys"
    assert entry["status"] == 404


def test_request_log_records_everything_but_credentials(api: MockApi, http: httpx.Client, anon: httpx.Client) -> None:
    bearer = token(api)
    http.post(keys_path(api), json={"displayName": "logged"}, headers={"X-Trace": "t-1"})
    anon.get(keys_path(api), headers={"Authorization": f"Bearer {bearer}", "Proxy-Authorization": f"Basic {bearer}"})
    anon.get(keys_path(api), headers={"Authorization": "Digest x"})
    anon.delete(key_path(api, MISSING_KEY))
    entries = api.requests()
    assert [(e["method"], e["auth"], e["status"]) for e in entries] == [
        ("POST", "basic", 201),
        ("GET", "bearer", 200),
        ("GET", "other", 401),
        ("DELETE", None, 401),
    ]
    first = entries[0]
    assert first["body"] == '{"displayName":"logged"}'
    assert first["headers"]["X-Trace"] == "t-1"
    assert first["headers"]["Content-Type"] == "application/json"
    assert first["path"] == first["raw_path"] == keys_path(api)
    logged = json.dumps(entries)
    assert "authorization" not in logged.lower()
    basic = b64(f"{api.key_id}:{api.secret}".encode())
    for credential in (api.secret, basic, bearer):
        assert credential not in logged


# --- the process ---------------------------------------------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[bytes]:
    """The server with `args` and nothing else: not even a secret from the environment."""
    return subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={name: value for name, value in os.environ.items() if name != SECRET_ENV},
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_prints_its_url_first_and_exits_cleanly_on_signal(signum: signal.Signals) -> None:
    process = spawn()  # no flags: the documented default credentials
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().rstrip("\n")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert not url.endswith(":0")
        response = httpx.get(
            url + "/v2/apps/5d8cff3cd55b040010928b5b/integrations/029c31f25a21b47effd7be90/keys",
            auth=(DEFAULT_KEY_ID, DEFAULT_SECRET),
            trust_env=False,
        )
        assert response.status_code == 200
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert stdout == b""  # the URL was the only line
    assert DEFAULT_SECRET.encode() not in stderr and b"Authorization" not in stderr


def test_exits_when_its_stdin_closes() -> None:
    process = spawn("--watch-stdin")
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline().startswith(b"http://")
        process.stdin.close()
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_stops_promptly_with_a_request_in_flight() -> None:
    server = MockApi.start()
    with server, ThreadPoolExecutor(max_workers=1) as pool:
        server.inject({"delay": 60})
        pending = pool.submit(
            httpx.get, server.url + keys_path(server), auth=(server.key_id, server.secret), trust_env=False
        )
        deadline = time.monotonic() + 10
        while not server.requests() and time.monotonic() < deadline:
            time.sleep(0.01)  # polls for a condition: the request has reached the server
        assert server.requests()
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 10
        assert server.returncode == 0
        with pytest.raises(httpx.HTTPError):
            pending.result(timeout=10)


def test_refuses_a_key_that_may_not_manage_keys() -> None:
    with pytest.raises(MockApiError, match="--key-id must start with app_, act_ or svc_"):
        MockApi.start(key_id="int_5d8cff3cd55b040010928b5b")


def test_reports_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = spawn("--port", str(taken.getsockname()[1]))
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 1
    assert stdout == b"" and b"cannot listen" in stderr


def test_seeds_and_secret_prefix_come_from_flags() -> None:
    flags = ["--app-id", "app-x", "--integration-id", "custom-y", "--non-custom-integration-id", "other-z"]
    with MockApi.start(extra_args=[*flags, "--key-secret-prefix", "MARK"]) as server:
        assert (server.app_id, server.integration_id, server.non_custom_integration_id) == (
            "app-x",
            "custom-y",
            "other-z",
        )
        with client_for(server, httpx.BasicAuth(server.key_id, server.secret)) as client:
            created = client.post(keys_path(server), json={"displayName": "x"}).json()["key"]
            assert created["secret"].startswith("MARK") and len(created["secret"]) == 86
            assert client.get(keys_path(server, "other-z")).status_code == 400
            assert client.get(keys_path(server, app="5d8cff3cd55b040010928b5b")).status_code == 404
        assert server.stderr_text() == ""
