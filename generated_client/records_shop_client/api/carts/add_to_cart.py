from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cart import Cart
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    cart_id: int,
    item_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/cart/{cart_id}/add/{item_id}".format(
            cart_id=quote(str(cart_id), safe=""),
            item_id=quote(str(item_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Cart | Problem | None:
    if response.status_code == 200:
        response_200 = Cart.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Cart | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    cart_id: int,
    item_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Cart | Problem]:
    """Add one of an item to a cart

     Adds the item with quantity 1, or increments its quantity. Concurrent adds never lose an increment.

    Args:
        cart_id (int):
        item_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Cart | Problem]
    """

    kwargs = _get_kwargs(
        cart_id=cart_id,
        item_id=item_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    cart_id: int,
    item_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Cart | Problem | None:
    """Add one of an item to a cart

     Adds the item with quantity 1, or increments its quantity. Concurrent adds never lose an increment.

    Args:
        cart_id (int):
        item_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Cart | Problem
    """

    return sync_detailed(
        cart_id=cart_id,
        item_id=item_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    cart_id: int,
    item_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Cart | Problem]:
    """Add one of an item to a cart

     Adds the item with quantity 1, or increments its quantity. Concurrent adds never lose an increment.

    Args:
        cart_id (int):
        item_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Cart | Problem]
    """

    kwargs = _get_kwargs(
        cart_id=cart_id,
        item_id=item_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    cart_id: int,
    item_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Cart | Problem | None:
    """Add one of an item to a cart

     Adds the item with quantity 1, or increments its quantity. Concurrent adds never lose an increment.

    Args:
        cart_id (int):
        item_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Cart | Problem
    """

    return (
        await asyncio_detailed(
            cart_id=cart_id,
            item_id=item_id,
            client=client,
        )
    ).parsed
