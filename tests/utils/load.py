"""Clients that keep posting batches of records with their own uuids, remembering what was acknowledged."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

Batch = list[dict[str, str]]


@dataclass
class BatchLoad:
    base_url: str
    clients: int = 4
    batch_size: int = 10
    sent: list[Batch] = field(default_factory=list)
    acknowledged: list[Batch] = field(default_factory=list)
    # Status codes (or exception names) of the answers that were not a 2xx, and the slowest answer.
    failures: Counter[Any] = field(default_factory=Counter)
    slowest_s: float = 0.0
    problems: list[httpx.Response] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            await asyncio.gather(*(self._client(client, stop) for _ in range(self.clients)))

    async def _client(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batch = [{"uuid": str(uuid.uuid4()), "text": f"load {i}"} for i in range(self.batch_size)]
            self.sent.append(batch)
            started = time.monotonic()
            try:
                response = await client.post("/new", json=batch)
            except httpx.TransportError as error:
                self.failures[type(error).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            finally:
                self.slowest_s = max(self.slowest_s, time.monotonic() - started)
            if response.is_success:
                self.acknowledged.append(batch)
            else:
                self.failures[response.status_code] += 1
                self.problems.append(response)
                await asyncio.sleep(0.05)

    def acknowledged_uuids(self) -> set[str]:
        return {record["uuid"] for batch in self.acknowledged for record in batch}
