"""The load client sends a request again after a 502, 503, 504 or no answer, pausing longer each time, and
counts an error only when the last replay fails too (loadclient/records.py, REPLAY_PAUSES_S)."""

from __future__ import annotations

import uuid

from records_shop_client.models import Record

from loadclient.journal import Journal
from loadclient.records import REPLAY_PAUSES_S, _delete
from loadclient.stats import RecordsStats
from loadclient.tracing import TRACING_OFF
from loadclient.transport import open_client
from tests.utils.replica import Replica, serve


async def _delete_one(base_url: str, stats: RecordsStats) -> bool:
    client = open_client(base_url, 1)
    async with client.get_async_httpx_client():
        return await _delete(client, stats, Journal(None), Record(uuid=uuid.uuid4(), text="x"), TRACING_OFF)


async def test_a_request_unavailable_until_its_last_replay_is_answered_and_counted_as_replays() -> None:
    replica, stats = Replica(unavailable=len(REPLAY_PAUSES_S)), RecordsStats()
    async for base_url in serve(replica):
        assert await _delete_one(base_url, stats)
    assert replica.requests == len(REPLAY_PAUSES_S) + 1
    assert (stats.replays, stats.errors) == (len(REPLAY_PAUSES_S), 0)


async def test_a_request_unavailable_through_every_replay_is_one_error() -> None:
    replica, stats = Replica(unavailable=len(REPLAY_PAUSES_S) + 1), RecordsStats()
    async for base_url in serve(replica):
        assert not await _delete_one(base_url, stats)
    assert replica.requests == len(REPLAY_PAUSES_S) + 1
    assert (stats.replays, stats.errors) == (len(REPLAY_PAUSES_S), 1)
