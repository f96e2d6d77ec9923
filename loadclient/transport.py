"""The generated typed client, running on one shared aiohttp connection pool."""

from __future__ import annotations

import httpx
from httpx_aiohttp import HttpxAiohttpClient
from records_shop_client import Client

REQUEST_TIMEOUT_S = 10.0


def open_client(base_url: str, max_connections: int) -> Client:
    """A generated `Client` whose async calls go through aiohttp.

    Setting the httpx client ourselves bypasses the generated client's own timeout and headers, so
    they are set here; only async calls are made, so the sync side is left as generated.
    """
    transport_client = HttpxAiohttpClient(
        base_url=base_url,
        timeout=httpx.Timeout(REQUEST_TIMEOUT_S),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
    )
    return Client(base_url=base_url).set_async_httpx_client(transport_client)
