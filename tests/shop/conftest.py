"""Helpers shared by the shop's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient


@pytest.fixture
def make_item(client: TestClient) -> Callable[..., dict[str, Any]]:
    def make(name: str = "thing", price: float = 1.5) -> dict[str, Any]:
        response = client.post("/item", json={"name": name, "price": price})
        assert response.status_code == 201
        item: dict[str, Any] = response.json()
        return item

    return make


@pytest.fixture
def make_cart(client: TestClient) -> Callable[..., int]:
    def make(*item_ids: int) -> int:
        cart_id: int = client.post("/cart").json()["id"]
        for item_id in item_ids:
            assert client.post(f"/cart/{cart_id}/add/{item_id}").status_code == 200
        return cart_id

    return make
