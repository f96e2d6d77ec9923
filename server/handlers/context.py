"""What handlers serve with: the database and settings of the worker whose event loop runs them.

server.app's lifespan registers a worker's database here when it starts and removes it when it stops.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple

from server.config.settings import Settings
from server.db.database import Database


class Worker(NamedTuple):
    """What one app serves with: its database and the settings it started with."""

    db: Database
    settings: Settings


# A pool's connections belong to the event loop that opened them, so each loop has its database. Handlers
# find theirs by the running loop: a dict lookup, where connexion.request.state costs a chain of proxies
# (about 10% of GET /{uuid} under load). Tests run apps on several loops in one process.
_workers: dict[asyncio.AbstractEventLoop, Worker] = {}


def register(db: Database, settings: Settings) -> None:
    _workers[asyncio.get_running_loop()] = Worker(db, settings)


def unregister() -> None:
    del _workers[asyncio.get_running_loop()]


def current_database() -> Database:
    return _workers[asyncio.get_running_loop()].db


def current_settings() -> Settings:
    return _workers[asyncio.get_running_loop()].settings
