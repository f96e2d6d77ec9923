"""The shop scenario: simulated shoppers at a fixed request rate, so that every shop route shows traffic.

Each visit creates an item now and then, browses the catalogue with price filters, opens one item, opens
a cart and adds items to it, lists carts, looks up an id that does not exist (a 404 on purpose, so that
the dashboard's 4xx lines have data) and sometimes deletes an item. Shoppers share one catalogue, so an
item one deletes may be what another adds next: that 404 is counted as `missing`, not as an error.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from opentelemetry.trace import StatusCode
from records_shop_client import Client
from records_shop_client.api.carts import add_to_cart, create_cart, get_cart, list_carts
from records_shop_client.api.items import create_item, delete_item, get_item, list_items
from records_shop_client.models import CartCreated, Item, ItemFields
from records_shop_client.types import Response

from loadclient.backoff import Backoff
from loadclient.stats import RequestFailed, ShopStats, timed
from loadclient.tracing import TRACING_OFF, Tracing

T = TypeVar("T")

CREATE_ITEM_SHARE = 0.3
DELETE_ITEM_SHARE = 0.1
MAX_PRICE = 100.0
# Far above any id the database hands out: an id that is certainly missing.
MISSING_ID_FLOOR = 2**62


class Pace:
    """Hand out request slots at `rate` per second across all shoppers, without bursts to catch up."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = time.monotonic()

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self._interval
        await asyncio.sleep(slot - now)


class VisitFailed(Exception):
    """No answer, or one the contract does not lead a shopper to expect: the visit is abandoned."""


class Stopped(Exception):
    """The run ended: a visit in progress sends no more requests, so the rate holds to the end."""


class Shopper:
    def __init__(
        self,
        client: Client,
        stats: ShopStats,
        pace: Pace,
        catalogue: list[int],
        stop: asyncio.Event,
        tracing: Tracing = TRACING_OFF,
    ) -> None:
        self._stop = stop
        self._tracing = tracing
        self._client = client
        self._stats = stats
        self._pace = pace
        self._catalogue = catalogue

    async def _call(self, call: Callable[[], Awaitable[Response[T]]], *expected: int) -> Response[T]:
        await self._pace.wait()
        if self._stop.is_set():
            raise Stopped
        try:
            response = await timed(self._stats, call)
        except RequestFailed as error:
            raise VisitFailed(str(error)) from error
        if response.status_code == 404 and 404 in expected:
            self._stats.missing += 1
        elif response.status_code not in expected:
            raise VisitFailed(f"status {response.status_code}")
        return response

    def _pick(self) -> int:
        if not self._catalogue:
            raise VisitFailed("the catalogue is empty")
        return random.choice(self._catalogue)

    async def visit(self) -> None:
        client, catalogue = self._client, self._catalogue
        if not catalogue or random.random() < CREATE_ITEM_SHARE:
            fields = ItemFields(
                name=f"item {random.randrange(10**6)}", price=round(random.uniform(1, MAX_PRICE), 2)
            )
            created = await self._call(lambda: create_item.asyncio_detailed(client=client, body=fields), 201)
            if isinstance(created.parsed, Item):
                catalogue.append(created.parsed.id)
                self._stats.created += 1
        low = round(random.uniform(0, MAX_PRICE / 2), 2)
        await self._call(
            lambda: list_items.asyncio_detailed(
                client=client, limit=10, min_price=low, max_price=low + MAX_PRICE / 2
            ),
            200,
        )
        item_id = self._pick()
        await self._call(lambda: get_item.asyncio_detailed(item_id, client=client), 200, 404)
        opened = await self._call(lambda: create_cart.asyncio_detailed(client=client), 201)
        if not isinstance(opened.parsed, CartCreated):
            raise VisitFailed("no cart id")
        cart_id = opened.parsed.id
        self._stats.carts += 1
        for _ in range(random.randint(1, 3)):
            item_id = self._pick()
            added = await self._call(
                partial(add_to_cart.asyncio_detailed, cart_id, item_id, client=client), 200, 404
            )
            self._stats.added += added.status_code == 200
        await self._call(lambda: get_cart.asyncio_detailed(cart_id, client=client), 200)
        await self._call(lambda: list_carts.asyncio_detailed(client=client, min_quantity=1, limit=10), 200)
        missing_id = MISSING_ID_FLOOR + random.randrange(10**6)
        await self._call(lambda: get_item.asyncio_detailed(missing_id, client=client), 404)
        if len(catalogue) > 1 and random.random() < DELETE_ITEM_SHARE:
            item_id = catalogue.pop(random.randrange(len(catalogue)))
            await self._call(lambda: delete_item.asyncio_detailed(item_id, client=client), 200)
            self._stats.deleted += 1

    async def _traced_visit(self) -> bool:
        """One visit as one trace, its requests the children of one root span; whether it went through."""
        with self._tracing.operation("shop visit") as span:
            try:
                await self.visit()
            except VisitFailed as failed:
                span.set_status(StatusCode.ERROR, str(failed))
                return False
            return True

    async def shop(self) -> None:
        backoff = Backoff()
        while not self._stop.is_set():
            try:
                went_through = await self._traced_visit()
            except Stopped:
                return
            if went_through:
                backoff.reset()
            else:
                self._stats.errors += 1
                await backoff.wait(self._stop)
