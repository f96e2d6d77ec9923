"""Handlers of the shop's items: POST/GET /item, GET/PUT/PATCH/DELETE /item/{id}."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from server.db import items as store
from server.handlers.context import current_database
from server.http.responses import json_response, problem


def _as_json(item: store.Item) -> dict[str, Any]:
    return item._asdict()


def _not_found(item_id: int) -> Response:
    return problem(404, f"no item with id {item_id}")


async def create_item(body: dict[str, Any]) -> Response:
    item = await store.create_item(current_database(), body["name"], body["price"])
    return json_response(_as_json(item), 201, headers={"Location": f"/item/{item.id}"})


async def list_items(
    offset: int = 0,
    limit: int = 10,
    min_price: float | None = None,
    max_price: float | None = None,
    show_deleted: bool = False,
) -> Response:
    page = await store.list_items(
        current_database(),
        offset=offset,
        limit=limit,
        min_price=min_price,
        max_price=max_price,
        show_deleted=show_deleted,
    )
    return json_response([_as_json(item) for item in page])


async def get_item(id: int) -> Response:
    item = await store.get_item(current_database(), id)
    if item is None or item.deleted:
        return _not_found(id)
    return json_response(_as_json(item))


async def replace_item(id: int, body: dict[str, Any]) -> Response:
    outcome, item = await store.update_item(current_database(), id, name=body["name"], price=body["price"])
    if outcome is not store.PatchOutcome.UPDATED or item is None:
        return _not_found(id)
    return json_response(_as_json(item))


async def update_item(id: int, body: dict[str, Any]) -> Response:
    outcome, item = await store.update_item(
        current_database(), id, name=body.get("name"), price=body.get("price")
    )
    if outcome is store.PatchOutcome.DELETED:
        return Response(status_code=304)
    if item is None:
        return _not_found(id)
    return json_response(_as_json(item))


async def delete_item(id: int) -> Response:
    item = await store.delete_item(current_database(), id)
    if item is None:
        return _not_found(id)
    return json_response(_as_json(item))
