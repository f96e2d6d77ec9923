"""Capped exponential backoff with jitter, for retrying while the server is away."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass


@dataclass
class Backoff:
    first_s: float = 0.05
    cap_s: float = 2.0
    _next_s: float = 0.0

    def reset(self) -> None:
        self._next_s = 0.0

    async def wait(self, stop: asyncio.Event) -> None:
        """Sleep the next delay, or less if the run is stopping."""
        self._next_s = min(self.cap_s, self._next_s * 2 if self._next_s else self.first_s)
        delay = self._next_s * random.uniform(0.5, 1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
