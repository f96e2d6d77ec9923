from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.new_record import NewRecord
from ...models.problem import Problem
from ...models.record import Record
from ...types import Response


def _get_kwargs(
    *,
    body: list[NewRecord],
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/new",
    }

    _kwargs["json"] = []
    for componentsschemas_new_record_batch_item_data in body:
        componentsschemas_new_record_batch_item = componentsschemas_new_record_batch_item_data.to_dict()
        _kwargs["json"].append(componentsschemas_new_record_batch_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | list[Record] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for componentsschemas_record_list_item_data in _response_200:
            componentsschemas_record_list_item = Record.from_dict(componentsschemas_record_list_item_data)

            response_200.append(componentsschemas_record_list_item)

        return response_200

    if response.status_code == 201:
        response_201 = []
        _response_201 = response.json()
        for componentsschemas_record_list_item_data in _response_201:
            componentsschemas_record_list_item = Record.from_dict(componentsschemas_record_list_item_data)

            response_201.append(componentsschemas_record_list_item)

        return response_201

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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
    body: list[NewRecord],
) -> Response[Problem | list[Record]]:
    """Store a batch of records

     The whole batch is stored in one transaction, or nothing of it is. A record without a uuid gets a
    fresh uuid4. A uuid that already exists, or that repeats inside the batch, answers 409 and stores
    nothing. Re-sending a batch whose every record already exists with the same text answers 200 with
    those records, so a client can safely retry a batch whose answer it lost.

    Args:
        body (list[NewRecord]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Record]]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: list[NewRecord],
) -> Problem | list[Record] | None:
    """Store a batch of records

     The whole batch is stored in one transaction, or nothing of it is. A record without a uuid gets a
    fresh uuid4. A uuid that already exists, or that repeats inside the batch, answers 409 and stores
    nothing. Re-sending a batch whose every record already exists with the same text answers 200 with
    those records, so a client can safely retry a batch whose answer it lost.

    Args:
        body (list[NewRecord]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Record]
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: list[NewRecord],
) -> Response[Problem | list[Record]]:
    """Store a batch of records

     The whole batch is stored in one transaction, or nothing of it is. A record without a uuid gets a
    fresh uuid4. A uuid that already exists, or that repeats inside the batch, answers 409 and stores
    nothing. Re-sending a batch whose every record already exists with the same text answers 200 with
    those records, so a client can safely retry a batch whose answer it lost.

    Args:
        body (list[NewRecord]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Record]]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: list[NewRecord],
) -> Problem | list[Record] | None:
    """Store a batch of records

     The whole batch is stored in one transaction, or nothing of it is. A record without a uuid gets a
    fresh uuid4. A uuid that already exists, or that repeats inside the batch, answers 409 and stores
    nothing. Re-sending a batch whose every record already exists with the same text answers 200 with
    those records, so a client can safely retry a batch whose answer it lost.

    Args:
        body (list[NewRecord]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Record]
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
