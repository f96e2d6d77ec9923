"""Racing clients on the shop, against a real server process on PostgreSQL."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from tests.utils.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]


async def test_twenty_concurrent_adds_of_one_item_to_one_cart_count_twenty(
    live_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        item = (await client.post("/item", json={"name": "hot", "price": 0.1})).json()
        cart_id = (await client.post("/cart")).json()["id"]
        responses = await asyncio.gather(
            *(client.post(f"/cart/{cart_id}/add/{item['id']}") for _ in range(20))
        )
        cart = (await client.get(f"/cart/{cart_id}")).json()
    assert [response.status_code for response in responses] == [200] * 20
    assert cart["items"] == [{"id": item["id"], "name": "hot", "quantity": 20, "available": True}]
    assert cart["quantity"] == 20


async def test_concurrent_adds_of_different_items_all_land(live_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        made = [(await client.post("/item", json={"name": f"i{n}", "price": 1.0})).json() for n in range(10)]
        cart_id = (await client.post("/cart")).json()["id"]
        responses = await asyncio.gather(
            *(client.post(f"/cart/{cart_id}/add/{item['id']}") for item in made for _ in range(3))
        )
        cart = (await client.get(f"/cart/{cart_id}")).json()
    assert {response.status_code for response in responses} == {200}
    assert [line["quantity"] for line in cart["items"]] == [3] * 10
    assert cart["price"] == 30.0


async def test_totals_stay_exact_while_adds_race_price_changes_and_deletes(
    live_server: ServerProcess,
) -> None:
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        made = [
            (await client.post("/item", json={"name": f"i{n}", "price": 0.1 * n})).json() for n in range(6)
        ]
        cart_ids = [(await client.post("/cart")).json()["id"] for _ in range(6)]
        requests = (
            [client.post(f"/cart/{rng.choice(cart_ids)}/add/{rng.choice(made)['id']}") for _ in range(120)]
            + [
                client.patch(f"/item/{rng.choice(made)['id']}", json={"price": rng.uniform(0, 100)})
                for _ in range(30)
            ]
            + [client.delete(f"/item/{made[0]['id']}")]
        )
        rng.shuffle(requests)
        responses = await asyncio.gather(*requests)
        listed = (await client.get("/cart?limit=1000")).json()
        fetched = [(await client.get(f"/cart/{cart_id}")).json() for cart_id in cart_ids]
    # 404: an add of the deleted item; 304: a price change of it.
    assert {response.status_code for response in responses} <= {200, 304, 404}
    assert listed == fetched
