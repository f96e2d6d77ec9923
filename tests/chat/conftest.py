"""Chat servers: real `python -m server` processes, with limits loose enough for tests of volume."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser

from devtools.browser import chromium
from devtools.server import ServerProcess
from server.db import migrations
from tests.utils.chat import ChatProcesses
from tests.utils.system_packages import require_program

# Volume tests send 1,000 messages at once: no rate limit or send queue in their way.
LOOSE_LIMITS = {"CHAT_MESSAGES_PER_SECOND": "1000000", "CHAT_SEND_QUEUE": "100000"}


@pytest.fixture(scope="session")
def chat_server(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server process on each backend."""
    log = tmp_path_factory.mktemp("chat") / "server.log"
    with ServerProcess(migrated_url, env=LOOSE_LIMITS, log_path=log) as server:
        yield server


@contextmanager
def _two_processes(url: str, env: dict[str, str], logs: Path) -> Iterator[ChatProcesses]:
    """Two server processes on one PostgreSQL database, as two replicas behind a proxy would be."""
    migrations.upgrade(url)
    with (
        ServerProcess(url, env=env, log_path=logs / "first.log") as first,
        ServerProcess(url, env=env, log_path=logs / "second.log") as second,
    ):
        yield ChatProcesses(first, second, url)


@pytest.fixture(scope="session")
def chat_processes(
    empty_database: Callable[[str, str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ChatProcesses]:
    url = empty_database("postgresql", "chat_processes")
    with _two_processes(url, LOOSE_LIMITS, tmp_path_factory.mktemp("chat-processes")) as processes:
        yield processes


# A room of three, served by two processes.
SMALL_ROOMS = {**LOOSE_LIMITS, "CHAT_MAX_CONNECTIONS_PER_ROOM": "3"}


@pytest.fixture(scope="session")
def small_room_processes(
    empty_database: Callable[[str, str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ChatProcesses]:
    url = empty_database("postgresql", "chat_small_rooms")
    with _two_processes(url, SMALL_ROOMS, tmp_path_factory.mktemp("chat-small-rooms")) as processes:
        yield processes


# Small enough that a test reaches each limit in a few frames.
TIGHT_LIMITS = {
    "CHAT_MAX_MESSAGE_BYTES": "64",
    "CHAT_MESSAGES_PER_SECOND": "5",
    "CHAT_THROTTLE_CLOSE_S": "2",
    "CHAT_MAX_CONNECTIONS_PER_ROOM": "2",
}
# A rate a burst of 200 outruns for a few seconds, well within the default throttle time.
BURST_RATE = {"CHAT_MESSAGES_PER_SECOND": "50"}
# A short send queue, and no rate limit: a sender can outrun a client that stopped reading.
SHORT_QUEUE = {"CHAT_MESSAGES_PER_SECOND": "1000000", "CHAT_SEND_QUEUE": "64"}


@pytest.fixture(scope="session")
def limited_server(
    empty_database: Callable[[str, str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """Limits are per connection and per process, the same on either backend: SQLite here."""
    url = empty_database("sqlite", "chat_limits")
    log = tmp_path_factory.mktemp("chat-limits") / "server.log"
    with ServerProcess(url, env=TIGHT_LIMITS, log_path=log) as server:
        yield server


@pytest.fixture(scope="session")
def burst_server(
    empty_database: Callable[[str, str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    url = empty_database("sqlite", "chat_burst")
    log = tmp_path_factory.mktemp("chat-burst") / "server.log"
    with ServerProcess(url, env=BURST_RATE, log_path=log) as server:
        yield server


@pytest.fixture(scope="session")
def short_queue_server(
    migrated_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("chat-short-queue") / "server.log"
    with ServerProcess(migrated_url, env=SHORT_QUEUE, log_path=log) as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium; without it a skip, and in CI an install or a failure."""
    async with chromium(require_program("chromium", "chromium")) as launched:
        yield launched
