from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.record import Record
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/all",
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | list[Record] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for componentsschemas_record_list_item_data in _response_200:
            componentsschemas_record_list_item = Record.from_dict(componentsschemas_record_list_item_data)

            response_200.append(componentsschemas_record_list_item)

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | list[Record]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | list[Record]]:
    """Every record, oldest first

     Every record stored before the request (unless deleted meanwhile), streamed in chunks read by id, so
    the table's size bounds neither memory nor how long a database connection is held. A stream that
    cannot complete (the reader accepts nothing for 30 s, or a shutdown outlasts it) ends with the
    connection closed, never with a complete-looking answer.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Record]]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Problem | list[Record] | None:
    """Every record, oldest first

     Every record stored before the request (unless deleted meanwhile), streamed in chunks read by id, so
    the table's size bounds neither memory nor how long a database connection is held. A stream that
    cannot complete (the reader accepts nothing for 30 s, or a shutdown outlasts it) ends with the
    connection closed, never with a complete-looking answer.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Record]
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | list[Record]]:
    """Every record, oldest first

     Every record stored before the request (unless deleted meanwhile), streamed in chunks read by id, so
    the table's size bounds neither memory nor how long a database connection is held. A stream that
    cannot complete (the reader accepts nothing for 30 s, or a shutdown outlasts it) ends with the
    connection closed, never with a complete-looking answer.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Record]]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Problem | list[Record] | None:
    """Every record, oldest first

     Every record stored before the request (unless deleted meanwhile), streamed in chunks read by id, so
    the table's size bounds neither memory nor how long a database connection is held. A stream that
    cannot complete (the reader accepts nothing for 30 s, or a shutdown outlasts it) ends with the
    connection closed, never with a complete-looking answer.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Record]
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
