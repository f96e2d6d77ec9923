from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.record import Record
from ...types import Response


def _get_kwargs(
    key: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/{key}".format(
            key=quote(str(key), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Record | None:
    if response.status_code == 200:
        response_200 = Record.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Record]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    key: UUID,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | Record]:
    """Delete one record

     Answers the deleted record. When several clients delete the same record at once, exactly one gets
    200 and the others 404.

    Args:
        key (UUID):  Example: 3fa85f64-5717-4562-b3fc-2c963f66afa6.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Record]
    """

    kwargs = _get_kwargs(
        key=key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    key: UUID,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | Record | None:
    """Delete one record

     Answers the deleted record. When several clients delete the same record at once, exactly one gets
    200 and the others 404.

    Args:
        key (UUID):  Example: 3fa85f64-5717-4562-b3fc-2c963f66afa6.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Record
    """

    return sync_detailed(
        key=key,
        client=client,
    ).parsed


async def asyncio_detailed(
    key: UUID,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | Record]:
    """Delete one record

     Answers the deleted record. When several clients delete the same record at once, exactly one gets
    200 and the others 404.

    Args:
        key (UUID):  Example: 3fa85f64-5717-4562-b3fc-2c963f66afa6.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Record]
    """

    kwargs = _get_kwargs(
        key=key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    key: UUID,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | Record | None:
    """Delete one record

     Answers the deleted record. When several clients delete the same record at once, exactly one gets
    200 and the others 404.

    Args:
        key (UUID):  Example: 3fa85f64-5717-4562-b3fc-2c963f66afa6.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Record
    """

    return (
        await asyncio_detailed(
            key=key,
            client=client,
        )
    ).parsed
