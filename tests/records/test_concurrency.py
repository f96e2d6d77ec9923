"""Racing clients against a real server process on PostgreSQL get correct, documented outcomes."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
import pytest

from devtools.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]


async def test_twenty_clients_posting_fifty_records_at_once_all_land(live_server: ServerProcess) -> None:
    batches = [[{"uuid": str(uuid.uuid4()), "text": f"{c}-{i}"} for i in range(50)] for c in range(20)]
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        responses = await asyncio.gather(*(client.post("/new", json=batch) for batch in batches))
        assert [response.status_code for response in responses] == [201] * 20
        stored = (await client.get("/all")).json()
    assert len(stored) == 1000
    assert {record["uuid"] for record in stored} == {r["uuid"] for batch in batches for r in batch}


async def test_ten_consumers_racing_for_the_oldest_delete_each_record_exactly_once(
    live_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        for _ in range(10):
            await client.post("/new", json=[{"text": str(i)} for i in range(100)])
        expected = {record["uuid"] for record in (await client.get("/all")).json()}
        statuses: Counter[int] = Counter()
        deleted: list[str] = []

        async def consume() -> None:
            while oldest := (await client.get("/10")).json():
                responses = await asyncio.gather(*(client.delete(f"/{r['uuid']}") for r in oldest))
                for record, response in zip(oldest, responses, strict=True):
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        deleted.append(record["uuid"])

        await asyncio.gather(*(consume() for _ in range(10)))
        remaining = (await client.get("/all")).json()
    assert remaining == []
    assert set(statuses) <= {200, 404}
    assert statuses[200] == 1000
    assert Counter(deleted) == Counter(expected)


async def test_concurrent_deletes_of_one_record_give_exactly_one_200(live_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        [record] = (await client.post("/new", json=[{"text": "contested"}])).json()
        responses = await asyncio.gather(*(client.delete(f"/{record['uuid']}") for _ in range(10)))
    assert sorted(response.status_code for response in responses) == [200] + [404] * 9
    winner = next(response for response in responses if response.status_code == 200)
    assert winner.json() == record


async def test_the_same_batch_sent_concurrently_is_stored_once(live_server: ServerProcess) -> None:
    batch = [{"uuid": str(uuid.uuid4()), "text": f"t{i}"} for i in range(20)]
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        responses = await asyncio.gather(*(client.post("/new", json=batch) for _ in range(10)))
        stored = (await client.get("/all")).json()
    assert sorted(response.status_code for response in responses) == [200] * 9 + [201]
    assert all(response.json() == batch for response in responses)
    assert stored == batch


async def test_overlapping_batches_racing_never_store_half_a_batch(live_server: ServerProcess) -> None:
    shared = {"uuid": str(uuid.uuid4()), "text": "shared"}
    batches = [[{"uuid": str(uuid.uuid4()), "text": f"own {c}"}, shared] for c in range(10)]
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        responses = await asyncio.gather(*(client.post("/new", json=batch) for batch in batches))
        stored = (await client.get("/all")).json()
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [201] + [409] * 9
    assert stored == batches[statuses.index(201)]
