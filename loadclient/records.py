"""The records scenario: producers insert random batches; consumers fetch the oldest and delete them."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import string
import time
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from opentelemetry.trace import StatusCode, get_current_span
from records_shop_client import Client
from records_shop_client.api.records import create_batch, delete_by_key, get_by_key
from records_shop_client.models import NewRecord, Record

from loadclient.backoff import Backoff
from loadclient.journal import Journal
from loadclient.stats import RecordsStats, RequestFailed, timed
from loadclient.tracing import TRACING_OFF, Tracing
from loadclient.transport import REQUEST_TIMEOUT_S

ALPHABET = string.ascii_letters + string.digits
OLDEST_PER_ROUND = 10
EMPTY_TABLE_PAUSE_S = 0.05


@dataclass(frozen=True)
class LoadShape:
    batch_min: int = 10
    batch_max: int = 100
    text_length: int = 16


# Answers after which a request is sent again, unchanged: no replica answered the proxy (502), the service
# or the proxy was unavailable (503), the proxy gave up waiting (504); no answer at all is the same. Every
# request of this scenario is safe to replay: a batch carries its uuids (a re-sent batch that was stored
# answers 200, or 409 once a consumer took some of it), GET changes nothing, and a DELETE replayed after
# its first attempt committed answers 404.
REPLAY_STATUSES = frozenset({502, 503, 504})
# The pause before each replay. One immediate replay was not enough: while a replica drains after SIGTERM its
# supervisor still accepts connections it will never serve, the proxy's round robin sends about half the
# requests there, and a replay could meet the same fate (tests/deploy/test_replica_faults.py failed 1 run in 3
# on a loaded machine, 4 in 4 with tracing on). Four replays over about 1.5 s outlast that window.
REPLAY_PAUSES_S = (0.0, 0.1, 0.4, 1.0)
# Set by the proxy (deploy/nginx) when it sent the request to a second replica after the first one took
# it and gave no answer: the request may have been processed twice.
REPLAYED_HEADER = "X-Proxy-Replayed"


@dataclass(frozen=True)
class Answer:
    """The answer to a request; `replayed`: an earlier attempt of it, ours or the proxy's, may have been
    processed."""

    response: httpx.Response
    replayed: bool

    @property
    def status(self) -> int:
        return self.response.status_code


async def _send(client: Client, stats: RecordsStats, request: dict[str, Any]) -> Answer | None:
    """Send a request the generated client built; after a 502, 503, 504 or no answer, again (REPLAY_PAUSES_S).

    A replica that dies or stops under the proxy fails the requests it held, and a later attempt goes to
    another: each such failure is counted a replay, not an error. When the last replay fails too, that is
    an error, and None: the caller backs off. The answer goes unparsed unless the caller parses it: parsing
    the records a POST /new echoes cost more than sending it.
    """
    requester = client.get_async_httpx_client()
    for attempt, pause_s in enumerate((*REPLAY_PAUSES_S, None)):
        try:
            response = await timed(stats, partial(requester.request, **request))
        except RequestFailed:
            response = None
        if response is not None and response.status_code not in REPLAY_STATUSES:
            return Answer(response, replayed=attempt > 0 or REPLAYED_HEADER in response.headers)
        if pause_s is None:
            break
        stats.replays += 1
        await asyncio.sleep(pause_s)
    stats.errors += 1
    return None


def random_batch(shape: LoadShape) -> list[NewRecord]:
    # Every record carries its own uuid, so a batch whose answer was lost can be re-sent unchanged.
    return [
        NewRecord(text="".join(random.choices(ALPHABET, k=shape.text_length)), uuid=uuid.uuid4())
        for _ in range(random.randint(shape.batch_min, shape.batch_max))
    ]


class RecordBound:
    """At most `limit` of this client's records in the table: producers wait for the consumers below it.

    Inserts run far ahead of deletes (12,000-27,000 records/s in against 700-1,700 out under compose), so
    an unbounded demo grows the table by gigabytes an hour. A producer reserves room for its batch before
    sending it, so that the producers together never pass the limit; the room a batch took is counted in
    `stats.inserted` once it is stored, and given back if it never is.
    """

    def __init__(self, limit: int | None, stats: RecordsStats) -> None:
        self.limit = limit
        self._stats = stats
        self._reserved = 0

    async def reserve(self, count: int, stop: asyncio.Event) -> bool:
        """Wait until `count` more records fit; False if the run stops first."""
        if self.limit is None:
            return True
        while self._stats.live + self._reserved + count > self.limit:
            if stop.is_set():
                return False
            await asyncio.sleep(EMPTY_TABLE_PAUSE_S)
        self._reserved += count
        return True

    def settle(self, count: int) -> None:
        """The reserved batch was stored (and counted) or given up."""
        if self.limit is not None:
            self._reserved -= count


async def produce(
    client: Client,
    stats: RecordsStats,
    journal: Journal,
    shape: LoadShape,
    stop: asyncio.Event,
    bound: RecordBound | None = None,
    tracing: Tracing = TRACING_OFF,
) -> None:
    backoff = Backoff()
    bound = bound or RecordBound(None, stats)
    while not stop.is_set():
        batch = random_batch(shape)
        if not await bound.reserve(len(batch), stop):
            return
        try:
            # One trace from the first attempt to the stored answer, the waits between attempts included.
            with tracing.operation("insert batch"):
                await _store(client, stats, journal, batch, backoff, stop)
        finally:
            bound.settle(len(batch))


async def _store(
    client: Client,
    stats: RecordsStats,
    journal: Journal,
    batch: list[NewRecord],
    backoff: Backoff,
    stop: asyncio.Event,
) -> None:
    """Send the batch until it is stored or the run stops."""
    request = create_batch._get_kwargs(body=batch)
    # Whether an earlier attempt may have stored the batch: it went unanswered, or answered unexpectedly.
    uncertain = False
    while True:
        answer = await _send(client, stats, request)
        # 201 stored, 200 already stored; 409 to a batch an earlier attempt may have stored means it did,
        # and a consumer has since taken some of it: the uuids are ours alone.
        if answer is not None and (
            answer.status in (200, 201) or (answer.status == 409 and (uncertain or answer.replayed))
        ):
            stats.inserted += len(batch)
            journal.stored([record.uuid for record in batch if isinstance(record.uuid, uuid.UUID)])
            backoff.reset()
            return
        if answer is not None:
            stats.errors += 1  # an answer the contract gives no reason to expect
        if stop.is_set():
            _failed("stopped before the batch was stored")
            return
        uncertain = True
        await backoff.wait(stop)


def _failed(why: str) -> None:
    """Mark the current operation's span failed (a no-op with tracing off)."""
    get_current_span().set_status(StatusCode.ERROR, why)


async def _delete(
    client: Client, stats: RecordsStats, journal: Journal, record: Record, tracing: Tracing = TRACING_OFF
) -> bool:
    """Delete the record; whether it is now gone from the table (deleted, or found already gone)."""
    with tracing.operation("delete record"):
        return await _delete_once(client, stats, journal, record)


async def _delete_once(client: Client, stats: RecordsStats, journal: Journal, record: Record) -> bool:
    answer = await _send(client, stats, delete_by_key._get_kwargs(key=record.uuid))
    if answer is None:
        journal.delete_attempted(record.uuid, "error")
        _failed("no answer")
        return False
    journal.delete_attempted(record.uuid, answer.status, answer.replayed)
    if answer.status == 200 or (answer.status == 404 and answer.replayed):
        # A 404 to a delete that may have been processed before is that attempt's doing: ours. Only
        # another client deleting the record in between could have made it, and nothing in the answer
        # tells that apart; a consumer of this client never deletes what another one has claimed.
        stats.deleted += 1
    elif answer.status == 404:
        stats.races += 1  # another client got there first: expected, not an error
    else:
        stats.errors += 1
        _failed(f"status {answer.status}")
    return answer.status in (200, 404)


class Claims:
    """The records this client's consumers are deleting or have just deleted, so they never race each other.

    Only the 10 oldest records are visible, and they stay visible until deleted: a consumer that waited
    for its 10 deletes before asking again would idle through every round trip, and two consumers would
    fetch and fight over the same 10. Instead consumers skip what is claimed, and ask again as soon as
    half of the claims are released, keeping deletes in flight without a 404 between themselves.

    A released record stays known as done for as long as an answer to GET /10 can take: a GET sent
    before a delete committed still lists the record, and claiming it again was a 404 "race" of this
    client with itself (hundreds of them with one consumer).
    """

    def __init__(self, remember_s: float = REQUEST_TIMEOUT_S + 1.0) -> None:
        self._uuids: set[object] = set()
        self._done: set[object] = set()
        self._done_order: collections.deque[tuple[float, object]] = collections.deque()
        self._remember_s = remember_s
        self._released = asyncio.Event()

    def __len__(self) -> int:
        return len(self._uuids)

    def claim_unclaimed(self, records: list[Record]) -> list[Record]:
        self._forget_old()
        new = [
            record for record in records if record.uuid not in self._uuids and record.uuid not in self._done
        ]
        self._uuids.update(record.uuid for record in new)
        return new

    def release(self, record: Record, gone: bool) -> None:
        """End the claim; a record that is `gone` is not claimed again while a stale GET may list it.

        One whose delete failed (no answer, 503) is still in the table: it is claimable again at once,
        or deletes would stall for the whole memory span after every outage.
        """
        self._uuids.discard(record.uuid)
        if gone:
            self._done.add(record.uuid)
            self._done_order.append((time.monotonic(), record.uuid))
        self._released.set()

    def _forget_old(self) -> None:
        horizon = time.monotonic() - self._remember_s
        while self._done_order and self._done_order[0][0] < horizon:
            self._done.discard(self._done_order.popleft()[1])

    async def wait_for_release(self, timeout_s: float) -> None:
        self._released.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), timeout_s)


async def _fetch_oldest(
    client: Client, stats: RecordsStats, tracing: Tracing
) -> tuple[Answer | None, object]:
    """GET /10: the answer, and the records it lists (None unless it answered 200 with a list)."""
    with tracing.operation("fetch oldest"):
        answer = await _send(client, stats, get_by_key._get_kwargs(key=str(OLDEST_PER_ROUND)))
        oldest = (
            get_by_key._build_response(client=client, response=answer.response).parsed
            if answer is not None and answer.status == 200
            else None
        )
        if not isinstance(oldest, list):
            _failed("no list of records")
        return answer, oldest


async def consume(
    client: Client,
    stats: RecordsStats,
    journal: Journal,
    claims: Claims,
    stop: asyncio.Event,
    tracing: Tracing = TRACING_OFF,
) -> None:
    backoff = Backoff()
    deleting: set[asyncio.Task[None]] = set()

    async def delete_claimed(record: Record) -> None:
        gone = False
        try:
            gone = await _delete(client, stats, journal, record, tracing)
        finally:
            claims.release(record, gone)

    while not stop.is_set():
        if len(claims) > OLDEST_PER_ROUND // 2:
            await claims.wait_for_release(EMPTY_TABLE_PAUSE_S)
            continue
        answer, oldest = await _fetch_oldest(client, stats, tracing)
        if not isinstance(oldest, list):
            if answer is not None:
                stats.errors += 1  # _send counted a failed replay already
            await backoff.wait(stop)
            continue
        backoff.reset()
        unclaimed = claims.claim_unclaimed(oldest)
        if not unclaimed:
            await claims.wait_for_release(EMPTY_TABLE_PAUSE_S)
            continue
        for record in unclaimed:
            task = asyncio.create_task(delete_claimed(record))
            deleting.add(task)
            task.add_done_callback(deleting.discard)
    # Deletes already sent are seen through, so that the final counts match the table.
    await asyncio.gather(*deleting)
