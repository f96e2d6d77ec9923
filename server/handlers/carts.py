"""Handlers of the shop's carts: POST/GET /cart, GET /cart/{id}, POST /cart/{cart_id}/add/{item_id}."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from server.db import carts as store
from server.handlers.context import current_database
from server.http.responses import json_response, problem


def _as_json(cart: store.Cart) -> dict[str, Any]:
    return {
        "id": cart.id,
        "items": [
            {"id": line.id, "name": line.name, "quantity": line.quantity, "available": line.available}
            for line in cart.lines
        ],
        "price": cart.price,
        "quantity": cart.quantity,
    }


def _no_cart(cart_id: int) -> Response:
    return problem(404, f"no cart with id {cart_id}")


async def create_cart() -> Response:
    cart_id = await store.create_cart(current_database())
    return json_response({"id": cart_id}, 201, headers={"Location": f"/cart/{cart_id}"})


async def get_cart(id: int) -> Response:
    cart = await store.get_cart(current_database(), id)
    return _no_cart(id) if cart is None else json_response(_as_json(cart))


async def list_carts(
    offset: int = 0,
    limit: int = 10,
    min_price: float | None = None,
    max_price: float | None = None,
    min_quantity: int | None = None,
    max_quantity: int | None = None,
) -> Response:
    page = await store.list_carts(
        current_database(),
        offset=offset,
        limit=limit,
        min_price=min_price,
        max_price=max_price,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
    )
    return json_response([_as_json(cart) for cart in page])


async def add_to_cart(cart_id: int, item_id: int) -> Response:
    db = current_database()
    outcome = await store.add_to_cart(db, cart_id, item_id)
    if outcome is store.AddOutcome.NO_CART:
        return _no_cart(cart_id)
    if outcome is store.AddOutcome.NO_ITEM:
        return problem(404, f"no item with id {item_id}, or it is deleted")
    cart = await store.get_cart(db, cart_id)
    return _no_cart(cart_id) if cart is None else json_response(_as_json(cart))
