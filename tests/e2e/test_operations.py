"""The four operations through the generated functions (sync and asyncio), over a real socket to the local server.

Through `connect()` (Basic and JWT): success parses into the response models, every refusal raises the typed
exception. Through a plain generated `Client`: refusals come back parsed as `ErrorResponse`, the generator's own
behaviour.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable, Iterator
from typing import Literal

import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import (
    create_custom_integration_key,
    delete_custom_integration_key,
    get_custom_integration_key,
    list_custom_integration_keys,
)
from sunco_keys.models import (
    ApiKey,
    DeleteCustomIntegrationKeyResponse200,
    ErrorResponse,
    IntegrationApiKey,
    IntegrationApiKeyListResponse,
    IntegrationApiKeyResponse,
)
from tests.support.mock_api import MISSING_KEY, MockApi

Auth = Literal["basic", "jwt"]
AUTHS: list[Auth] = ["basic", "jwt"]
KEY_ID = re.compile(r"int_[0-9a-f]{24}")
# secrets.token_urlsafe(64), as long as the secrets of the API reference's examples.
SECRET_LENGTH = 86
NON_CUSTOM_TITLE = "API keys are available only for custom integrations"
# One TLS context for the plain clients (the server is plain http; httpx would build one per client otherwise).
TLS = ssl.create_default_context()


def connect(api: MockApi, auth: Auth = "basic", scope: Literal["app", "account"] = "app") -> sunco_keys.Client:
    """A client without retries, so that every refusal is seen as the server gave it."""
    return api.connect(auth=auth, scope=scope, retries=None)


def body(name: str) -> IntegrationApiKey:
    return IntegrationApiKey(display_name=name)


def created_key(answer: object, name: str) -> ApiKey:
    """The key of a create or get answer, checked to be a well-formed integration key named `name`."""
    assert isinstance(answer, IntegrationApiKeyResponse), answer
    key = answer.key
    assert isinstance(key, ApiKey)
    assert isinstance(key.id, str) and KEY_ID.fullmatch(key.id), key.id
    assert key.display_name == name
    assert isinstance(key.secret, str) and len(key.secret) == SECRET_LENGTH
    return key


def listed_ids(answer: object) -> list[str]:
    assert isinstance(answer, IntegrationApiKeyListResponse), answer
    assert isinstance(answer.keys, list)
    return [key.id for key in answer.keys if isinstance(key.id, str)]


def auth_schemes(api: MockApi) -> set[str | None]:
    return {entry["auth"] for entry in api.requests()}


@pytest.fixture
def client(api: MockApi) -> Iterator[sunco_keys.Client]:
    with connect(api) as client:
        yield client


# --- the lifecycle, through connect() ------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", AUTHS)
def test_lifecycle_sync(api: MockApi, auth: Auth) -> None:
    app, integration = api.app_id, api.integration_id
    with connect(api, auth) as client:
        key = created_key(create_custom_integration_key.sync(app, integration, client=client, body=body("ci")), "ci")
        assert isinstance(key.id, str)
        assert listed_ids(list_custom_integration_keys.sync(app, integration, client=client)) == [key.id]
        fetched = created_key(get_custom_integration_key.sync(app, integration, key.id, client=client), "ci")
        assert (fetched.id, fetched.secret) == (key.id, key.secret)
        deleted = delete_custom_integration_key.sync(app, integration, key.id, client=client)
        assert isinstance(deleted, DeleteCustomIntegrationKeyResponse200) and deleted.to_dict() == {}
        with pytest.raises(sunco_keys.NotFoundError) as caught:
            get_custom_integration_key.sync(app, integration, key.id, client=client)
        assert listed_ids(list_custom_integration_keys.sync(app, integration, client=client)) == []
    assert caught.value.status_code == 404
    assert caught.value.errors[0].code == "not_found"
    assert caught.value.errors[0].title == "Resource not found"
    assert auth_schemes(api) == {"basic" if auth == "basic" else "bearer"}


@pytest.mark.parametrize("auth", AUTHS)
async def test_lifecycle_asyncio(api: MockApi, auth: Auth) -> None:
    app, integration = api.app_id, api.integration_id
    async with connect(api, auth) as client:
        answer = await create_custom_integration_key.asyncio(app, integration, client=client, body=body("async"))
        key = created_key(answer, "async")
        assert isinstance(key.id, str)
        assert listed_ids(await list_custom_integration_keys.asyncio(app, integration, client=client)) == [key.id]
        fetched = created_key(
            await get_custom_integration_key.asyncio(app, integration, key.id, client=client), "async"
        )
        assert (fetched.id, fetched.secret) == (key.id, key.secret)
        deleted = await delete_custom_integration_key.asyncio(app, integration, key.id, client=client)
        assert isinstance(deleted, DeleteCustomIntegrationKeyResponse200) and deleted.to_dict() == {}
        with pytest.raises(sunco_keys.NotFoundError) as caught:
            await get_custom_integration_key.asyncio(app, integration, key.id, client=client)
    assert caught.value.status_code == 404
    assert caught.value.errors[0].code == "not_found"
    assert auth_schemes(api) == {"basic" if auth == "basic" else "bearer"}


@pytest.mark.parametrize("auth", AUTHS)
def test_detailed_sync_gives_status_headers_and_parsed_model(api: MockApi, auth: Auth) -> None:
    app, integration = api.app_id, api.integration_id
    with connect(api, auth) as client:
        created = create_custom_integration_key.sync_detailed(app, integration, client=client, body=body("d"))
        assert created.status_code == 201
        assert created.headers["Content-Type"].startswith("application/json")
        key = created_key(created.parsed, "d")
        assert isinstance(key.id, str)
        listed = list_custom_integration_keys.sync_detailed(app, integration, client=client)
        assert listed.status_code == 200 and listed_ids(listed.parsed) == [key.id]
        fetched = get_custom_integration_key.sync_detailed(app, integration, key.id, client=client)
        assert fetched.status_code == 200 and created_key(fetched.parsed, "d").id == key.id
        deleted = delete_custom_integration_key.sync_detailed(app, integration, key.id, client=client)
        assert deleted.status_code == 200 and deleted.content == b"{}"


@pytest.mark.parametrize("auth", AUTHS)
async def test_detailed_asyncio_gives_status_and_parsed_model(api: MockApi, auth: Auth) -> None:
    app, integration = api.app_id, api.integration_id
    async with connect(api, auth) as client:
        created = await create_custom_integration_key.asyncio_detailed(app, integration, client=client, body=body("d"))
        assert created.status_code == 201
        key = created_key(created.parsed, "d")
        assert isinstance(key.id, str)
        listed = await list_custom_integration_keys.asyncio_detailed(app, integration, client=client)
        assert listed.status_code == 200 and listed_ids(listed.parsed) == [key.id]
        fetched = await get_custom_integration_key.asyncio_detailed(app, integration, key.id, client=client)
        assert fetched.status_code == 200 and created_key(fetched.parsed, "d").id == key.id
        deleted = await delete_custom_integration_key.asyncio_detailed(app, integration, key.id, client=client)
        assert deleted.status_code == 200 and isinstance(deleted.parsed, DeleteCustomIntegrationKeyResponse200)


# --- the server's refusals, as connect()'s typed exceptions --------------------------------------------------------


@pytest.mark.parametrize("auth", AUTHS)
def test_wrong_secret_raises_unauthorized(api: MockApi, auth: Auth) -> None:
    wrong = "W" * SECRET_LENGTH
    with sunco_keys.connect(key_id=api.key_id, secret=wrong, base_url=api.url, auth=auth, retries=None) as client:
        with pytest.raises(sunco_keys.UnauthorizedError) as caught:
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
    assert caught.value.status_code == 401
    assert [(e.code, e.title) for e in caught.value.errors] == [("unauthorized", "Authorization is required")]


def test_jwt_with_the_wrong_scope_raises_unauthorized(api: MockApi) -> None:
    # The server's key is an app key (app_…): an account-scoped JWT is refused.
    with connect(api, "jwt", scope="account") as client:
        with pytest.raises(sunco_keys.UnauthorizedError):
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)


def test_account_key_works_with_account_scope_only() -> None:
    account_key = "act_5963ceb97cde542d000dbdb1"
    with MockApi.start(key_id=account_key) as account_api:
        with connect(account_api, "jwt", scope="account") as client:
            answer = create_custom_integration_key.sync(
                account_api.app_id, account_api.integration_id, client=client, body=body("acct")
            )
            created_key(answer, "acct")
        with connect(account_api, "jwt", scope="app") as client:
            with pytest.raises(sunco_keys.UnauthorizedError):
                list_custom_integration_keys.sync(account_api.app_id, account_api.integration_id, client=client)
        with connect(account_api, "basic") as client:
            ids = listed_ids(
                list_custom_integration_keys.sync(account_api.app_id, account_api.integration_id, client=client)
            )
            assert len(ids) == 1


def test_every_operation_on_a_non_custom_integration_raises_bad_request(
    api: MockApi, client: sunco_keys.Client
) -> None:
    app, other = api.app_id, api.non_custom_integration_id
    calls: list[Callable[[], object]] = [
        lambda: create_custom_integration_key.sync(app, other, client=client, body=body("x")),
        lambda: list_custom_integration_keys.sync(app, other, client=client),
        lambda: get_custom_integration_key.sync(app, other, MISSING_KEY, client=client),
        lambda: delete_custom_integration_key.sync(app, other, MISSING_KEY, client=client),
    ]
    for call in calls:
        with pytest.raises(sunco_keys.BadRequestError) as caught:
            call()
        assert caught.value.status_code == 400
        assert [(e.code, e.title) for e in caught.value.errors] == [("bad_request", NON_CUSTOM_TITLE)]


def test_unknown_app_integration_and_key_raise_not_found(api: MockApi, client: sunco_keys.Client) -> None:
    app, integration = api.app_id, api.integration_id
    with pytest.raises(sunco_keys.NotFoundError):
        list_custom_integration_keys.sync("000000000000000000000000", integration, client=client)
    with pytest.raises(sunco_keys.NotFoundError):
        create_custom_integration_key.sync(app, "000000000000000000000000", client=client, body=body("x"))
    with pytest.raises(sunco_keys.NotFoundError):
        delete_custom_integration_key.sync(app, integration, MISSING_KEY, client=client)


def test_a_path_parameter_with_a_slash_stays_one_segment_on_the_wire(api: MockApi, client: sunco_keys.Client) -> None:
    with pytest.raises(sunco_keys.NotFoundError):
        get_custom_integration_key.sync("a/b", api.integration_id, "int_1?x=#", client=client)
    [entry] = api.requests()
    assert entry["raw_path"] == f"/v2/apps/a%2Fb/integrations/{api.integration_id}/keys/int_1%3Fx%3D%23"


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_display_name_out_of_bounds_raises_bad_request(api: MockApi, client: sunco_keys.Client, name: str) -> None:
    with pytest.raises(sunco_keys.BadRequestError) as caught:
        create_custom_integration_key.sync(api.app_id, api.integration_id, client=client, body=body(name))
    assert caught.value.errors[0].code == "bad_request"
    assert "displayName" in str(caught.value.errors[0].title)
    assert listed_ids(list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)) == []


def test_display_name_of_100_characters_is_accepted(api: MockApi, client: sunco_keys.Client) -> None:
    name = "é" * 100
    created_key(
        create_custom_integration_key.sync(api.app_id, api.integration_id, client=client, body=body(name)), name
    )


def test_a_body_over_100_kb_raises_413(api: MockApi, client: sunco_keys.Client) -> None:
    with pytest.raises(sunco_keys.ApiError) as caught:
        create_custom_integration_key.sync(api.app_id, api.integration_id, client=client, body=body("x" * 150_000))
    assert caught.value.status_code == 413
    assert caught.value.errors[0].code == "payload_too_large"


def test_an_eleventh_key_is_refused_until_one_is_deleted(api: MockApi, client: sunco_keys.Client) -> None:
    app, integration = api.app_id, api.integration_id
    keys = [
        created_key(create_custom_integration_key.sync(app, integration, client=client, body=body(f"k{n}")), f"k{n}")
        for n in range(10)
    ]
    with pytest.raises(sunco_keys.BadRequestError) as caught:
        create_custom_integration_key.sync(app, integration, client=client, body=body("eleventh"))
    assert caught.value.errors[0].code == "bad_request"
    assert "10" in str(caught.value.errors[0].title)
    assert listed_ids(list_custom_integration_keys.sync(app, integration, client=client)) == [k.id for k in keys]
    assert isinstance(keys[0].id, str)
    delete_custom_integration_key.sync(app, integration, keys[0].id, client=client)
    created_key(create_custom_integration_key.sync(app, integration, client=client, body=body("again")), "again")


async def test_concurrent_creates_all_succeed_with_distinct_ids(api: MockApi) -> None:
    app, integration = api.app_id, api.integration_id
    async with connect(api, "jwt") as client:
        answers = await asyncio.gather(
            *(
                create_custom_integration_key.asyncio(app, integration, client=client, body=body(f"c{n}"))
                for n in range(8)
            )
        )
        keys = [created_key(answer, f"c{n}") for n, answer in enumerate(answers)]
        ids = {key.id for key in keys}
        assert len(ids) == 8
        assert set(listed_ids(await list_custom_integration_keys.asyncio(app, integration, client=client))) == ids
    assert len({key.secret for key in keys}) == 8


# --- a plain generated Client: the generator's own behaviour, errors parsed as ErrorResponse ------------------------


def plain_client(api: MockApi, auth: httpx.Auth | None) -> sunco_keys.Client:
    httpx_args: dict[str, object] = {"trust_env": False}
    if auth is not None:
        httpx_args["auth"] = auth
    return sunco_keys.Client(base_url=api.url, verify_ssl=TLS, httpx_args=httpx_args)


def error_pairs(answer: object) -> list[tuple[object, object]]:
    assert isinstance(answer, ErrorResponse), answer
    assert isinstance(answer.errors, list)
    return [(e.code, e.title) for e in answer.errors]


def test_plain_client_sync_parses_success_and_errors(api: MockApi) -> None:
    app, integration = api.app_id, api.integration_id
    with plain_client(api, httpx.BasicAuth(api.key_id, api.secret)) as client:
        created = create_custom_integration_key.sync_detailed(app, integration, client=client, body=body("plain"))
        assert created.status_code == 201
        key = created_key(created.parsed, "plain")
        assert isinstance(key.id, str)
        missing = get_custom_integration_key.sync_detailed(app, integration, MISSING_KEY, client=client)
        assert missing.status_code == 404
        assert error_pairs(missing.parsed) == [("not_found", "Resource not found")]
        refused = list_custom_integration_keys.sync(app, api.non_custom_integration_id, client=client)
        assert error_pairs(refused) == [("bad_request", NON_CUSTOM_TITLE)]
        invalid = create_custom_integration_key.sync(app, integration, client=client, body=body(""))
        assert error_pairs(invalid)[0][0] == "bad_request"
        deleted = delete_custom_integration_key.sync(app, integration, key.id, client=client)
        assert isinstance(deleted, DeleteCustomIntegrationKeyResponse200)
        gone = get_custom_integration_key.sync(app, integration, key.id, client=client)
        assert error_pairs(gone) == [("not_found", "Resource not found")]


async def test_plain_client_asyncio_parses_errors(api: MockApi) -> None:
    async with plain_client(api, None) as client:
        answer = await list_custom_integration_keys.asyncio_detailed(api.app_id, api.integration_id, client=client)
    assert answer.status_code == 401
    assert error_pairs(answer.parsed) == [("unauthorized", "Authorization is required")]
    async with plain_client(api, httpx.BasicAuth(api.key_id, api.secret)) as client:
        missing = await get_custom_integration_key.asyncio(api.app_id, api.integration_id, MISSING_KEY, client=client)
    assert error_pairs(missing) == [("not_found", "Resource not found")]
