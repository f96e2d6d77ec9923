from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cart import Cart
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    offset: int | Unset = 0,
    limit: int | Unset = 10,
    min_price: float | Unset = UNSET,
    max_price: float | Unset = UNSET,
    min_quantity: int | Unset = UNSET,
    max_quantity: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["offset"] = offset

    params["limit"] = limit

    params["min_price"] = min_price

    params["max_price"] = max_price

    params["min_quantity"] = min_quantity

    params["max_quantity"] = max_quantity

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/cart",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | list[Cart] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = Cart.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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
) -> Response[Problem | list[Cart]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 10,
    min_price: float | Unset = UNSET,
    max_price: float | Unset = UNSET,
    min_quantity: int | Unset = UNSET,
    max_quantity: int | Unset = UNSET,
) -> Response[Problem | list[Cart]]:
    """List carts by id, filtered by their totals

     A page of `limit` carts (10 by default, at most 1000) from `offset`, in id order, optionally only
    those whose total price and available quantity fall within the given bounds (inclusive).

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 10.
        min_price (float | Unset):
        max_price (float | Unset):
        min_quantity (int | Unset):
        max_quantity (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Cart]]
    """

    kwargs = _get_kwargs(
        offset=offset,
        limit=limit,
        min_price=min_price,
        max_price=max_price,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 10,
    min_price: float | Unset = UNSET,
    max_price: float | Unset = UNSET,
    min_quantity: int | Unset = UNSET,
    max_quantity: int | Unset = UNSET,
) -> Problem | list[Cart] | None:
    """List carts by id, filtered by their totals

     A page of `limit` carts (10 by default, at most 1000) from `offset`, in id order, optionally only
    those whose total price and available quantity fall within the given bounds (inclusive).

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 10.
        min_price (float | Unset):
        max_price (float | Unset):
        min_quantity (int | Unset):
        max_quantity (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Cart]
    """

    return sync_detailed(
        client=client,
        offset=offset,
        limit=limit,
        min_price=min_price,
        max_price=max_price,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 10,
    min_price: float | Unset = UNSET,
    max_price: float | Unset = UNSET,
    min_quantity: int | Unset = UNSET,
    max_quantity: int | Unset = UNSET,
) -> Response[Problem | list[Cart]]:
    """List carts by id, filtered by their totals

     A page of `limit` carts (10 by default, at most 1000) from `offset`, in id order, optionally only
    those whose total price and available quantity fall within the given bounds (inclusive).

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 10.
        min_price (float | Unset):
        max_price (float | Unset):
        min_quantity (int | Unset):
        max_quantity (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Cart]]
    """

    kwargs = _get_kwargs(
        offset=offset,
        limit=limit,
        min_price=min_price,
        max_price=max_price,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 10,
    min_price: float | Unset = UNSET,
    max_price: float | Unset = UNSET,
    min_quantity: int | Unset = UNSET,
    max_quantity: int | Unset = UNSET,
) -> Problem | list[Cart] | None:
    """List carts by id, filtered by their totals

     A page of `limit` carts (10 by default, at most 1000) from `offset`, in id order, optionally only
    those whose total price and available quantity fall within the given bounds (inclusive).

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 10.
        min_price (float | Unset):
        max_price (float | Unset):
        min_quantity (int | Unset):
        max_quantity (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Cart]
    """

    return (
        await asyncio_detailed(
            client=client,
            offset=offset,
            limit=limit,
            min_price=min_price,
            max_price=max_price,
            min_quantity=min_quantity,
            max_quantity=max_quantity,
        )
    ).parsed
