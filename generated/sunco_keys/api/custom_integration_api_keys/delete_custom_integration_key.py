from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ... import errors
from ...client import AuthenticatedClient, Client
from ...lib.decode import decode_body
from ...lib.paths import async_httpx_client, path_segment, sync_httpx_client, with_absolute_url
from ...models.delete_custom_integration_key_response_200 import DeleteCustomIntegrationKeyResponse200
from ...models.error_response import ErrorResponse
from ...types import Response

if TYPE_CHECKING:
    import httpx


def _get_kwargs(
    app_id: str,
    integration_id: str,
    key_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v2/apps/{app_id}/integrations/{integration_id}/keys/{key_id}".format(
            app_id=path_segment("app_id", app_id),
            integration_id=path_segment("integration_id", integration_id),
            key_id=path_segment("key_id", key_id),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeleteCustomIntegrationKeyResponse200 | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = DeleteCustomIntegrationKeyResponse200.from_dict(response.json())

        return response_200

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
) -> Response[DeleteCustomIntegrationKeyResponse200 | ErrorResponse]:
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
    key_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[DeleteCustomIntegrationKeyResponse200 | ErrorResponse]:
    """Delete Integration Key

     Removes an API key.

    Args:
        app_id (str):
        integration_id (str):
        key_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeleteCustomIntegrationKeyResponse200 | ErrorResponse]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        integration_id=integration_id,
        key_id=key_id,
    )

    httpx_client = sync_httpx_client(client)
    response = httpx_client.request(
        **with_absolute_url(httpx_client, kwargs),
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: str,
    integration_id: str,
    key_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> DeleteCustomIntegrationKeyResponse200 | ErrorResponse | None:
    """Delete Integration Key

     Removes an API key.

    Args:
        app_id (str):
        integration_id (str):
        key_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeleteCustomIntegrationKeyResponse200 | ErrorResponse
    """

    return sync_detailed(
        app_id=app_id,
        integration_id=integration_id,
        key_id=key_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    app_id: str,
    integration_id: str,
    key_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[DeleteCustomIntegrationKeyResponse200 | ErrorResponse]:
    """Delete Integration Key

     Removes an API key.

    Args:
        app_id (str):
        integration_id (str):
        key_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeleteCustomIntegrationKeyResponse200 | ErrorResponse]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        integration_id=integration_id,
        key_id=key_id,
    )

    httpx_client = async_httpx_client(client)
    response = await httpx_client.request(**with_absolute_url(httpx_client, kwargs))

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: str,
    integration_id: str,
    key_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> DeleteCustomIntegrationKeyResponse200 | ErrorResponse | None:
    """Delete Integration Key

     Removes an API key.

    Args:
        app_id (str):
        integration_id (str):
        key_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeleteCustomIntegrationKeyResponse200 | ErrorResponse
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            integration_id=integration_id,
            key_id=key_id,
            client=client,
        )
    ).parsed
