from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ... import errors
from ...client import AuthenticatedClient, Client
from ...lib.bodies import json_content
from ...lib.decode import decode_body
from ...lib.paths import async_httpx_client, path_segment, sync_httpx_client, with_absolute_url
from ...models.error_response import ErrorResponse
from ...models.integration_api_key import IntegrationApiKey
from ...models.integration_api_key_response import IntegrationApiKeyResponse
from ...types import Response

if TYPE_CHECKING:
    import httpx


def _get_kwargs(
    app_id: str,
    integration_id: str,
    *,
    body: IntegrationApiKey,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v2/apps/{app_id}/integrations/{integration_id}/keys".format(
            app_id=path_segment("app_id", app_id),
            integration_id=path_segment("integration_id", integration_id),
        ),
    }

    _kwargs["content"] = json_content("body", body, IntegrationApiKey)
    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | IntegrationApiKeyResponse | None:
    if response.status_code == 201:
        response_201 = IntegrationApiKeyResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if 500 <= response.status_code <= 599:
        response_5xx = ErrorResponse.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | IntegrationApiKeyResponse]:
    parsed = decode_body(_parse_response, client=client, response=response)
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    app_id: str,
    integration_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: IntegrationApiKey,
) -> Response[ErrorResponse | IntegrationApiKeyResponse]:
    """Create Integration Key

     Creates an API key for the specified custom integration. The response body will include a secret as
    well as its corresponding id, which you can use to generate JSON Web Tokens to securely make API
    calls on behalf of the integration. An integration holds at most 10 keys.

    Args:
        app_id (str):
        integration_id (str):
        body (IntegrationApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | IntegrationApiKeyResponse]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        integration_id=integration_id,
        body=body,
    )

    httpx_client = sync_httpx_client(client)
    response = httpx_client.request(
        **with_absolute_url(httpx_client, kwargs),
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: str,
    integration_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: IntegrationApiKey,
) -> ErrorResponse | IntegrationApiKeyResponse | None:
    """Create Integration Key

     Creates an API key for the specified custom integration. The response body will include a secret as
    well as its corresponding id, which you can use to generate JSON Web Tokens to securely make API
    calls on behalf of the integration. An integration holds at most 10 keys.

    Args:
        app_id (str):
        integration_id (str):
        body (IntegrationApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | IntegrationApiKeyResponse
    """

    return sync_detailed(
        app_id=app_id,
        integration_id=integration_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    app_id: str,
    integration_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: IntegrationApiKey,
) -> Response[ErrorResponse | IntegrationApiKeyResponse]:
    """Create Integration Key

     Creates an API key for the specified custom integration. The response body will include a secret as
    well as its corresponding id, which you can use to generate JSON Web Tokens to securely make API
    calls on behalf of the integration. An integration holds at most 10 keys.

    Args:
        app_id (str):
        integration_id (str):
        body (IntegrationApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | IntegrationApiKeyResponse]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        integration_id=integration_id,
        body=body,
    )

    httpx_client = async_httpx_client(client)
    response = await httpx_client.request(**with_absolute_url(httpx_client, kwargs))

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: str,
    integration_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: IntegrationApiKey,
) -> ErrorResponse | IntegrationApiKeyResponse | None:
    """Create Integration Key

     Creates an API key for the specified custom integration. The response body will include a secret as
    well as its corresponding id, which you can use to generate JSON Web Tokens to securely make API
    calls on behalf of the integration. An integration holds at most 10 keys.

    Args:
        app_id (str):
        integration_id (str):
        body (IntegrationApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | IntegrationApiKeyResponse
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            integration_id=integration_id,
            client=client,
            body=body,
        )
    ).parsed
