"""The generated typed client, running on one shared aiohttp connection pool without httpx in between.

The generated calls use one method of their async httpx client: `request(method=, url=, params=, json=,
headers=)`, then read `status_code`, `content`, `headers` and `json()` of the answer. Profiled under the
bench's load-client run, httpx's own layers around aiohttp (URL merging, cookie extraction, auth and
redirect handling, request and response models) were about a third of the client's CPU, on the same two
cores as the server. `AiohttpRequester` offers that one method on aiohttp directly, so the generated
client still builds every request and parses every answer it is asked to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import aiohttp
import httpx
import orjson
from records_shop_client import Client

REQUEST_TIMEOUT_S = 10.0
# Idle connections are dropped before the server drops them (uvicorn's and the service's KEEP_ALIVE_S
# default is 5 s; aiohttp's own is 15 s): a request sent on a connection at the moment the server closes
# it fails, and a POST is not retried.
KEEP_ALIVE_S = 4.0


class CredentialsRefused(Exception):
    """The server answered 401: it needs a token (--token, API_TOKEN) this client lacks or has wrong.

    Not an httpx error, so that no retry loop takes it for a passing failure: every request would fail alike.
    """


class LeanResponse:
    """What the generated client reads of an answer."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, content: bytes, headers: Mapping[str, str]) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = headers

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return orjson.loads(self.content)


def _query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs encoded as httpx encodes them: lists repeat the key, booleans are lowercase."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            if one is not None:
                pairs.append((key, ("true" if one else "false") if isinstance(one, bool) else str(one)))
    return pairs


class AiohttpRequester:
    """The `request` of an httpx.AsyncClient, as the generated client calls it, on an aiohttp session.

    Failures are raised as httpx's, which is what callers of the generated client expect.
    """

    def __init__(
        self,
        base_url: str,
        max_connections: int,
        timeout_s: float = REQUEST_TIMEOUT_S,
        token: str | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self._base_url = base_url.rstrip("/")
        # Empty with tracing off: aiohttp then runs no trace callback at all.
        self._trace_configs = list(trace_configs)
        self._headers = {"Authorization": f"Bearer {token}"} if token else None
        self._max_connections = max_connections
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=KEEP_ALIVE_S)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers=self._headers,
                json_serialize=lambda value: orjson.dumps(value).decode(),
                trace_configs=self._trace_configs or None,
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> LeanResponse:
        session = self._open()
        try:
            async with session.request(
                method,
                self._base_url + url,
                params=_query(params) if params else None,
                json=json,
                headers=headers,
            ) as response:
                content = await response.read()
                if response.status == 401:
                    detail = orjson.loads(content).get("detail", "") if content else ""
                    raise CredentialsRefused(f"{method} {url} answered 401: {detail}")
                return LeanResponse(response.status, content, response.headers)
        except TimeoutError as error:
            raise httpx.TimeoutException(f"no answer within {self._timeout.total} s") from error
        except aiohttp.ClientError as error:
            raise httpx.TransportError(f"{type(error).__name__}: {error}") from error

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> AiohttpRequester:
        self._open()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()


def open_client(
    base_url: str,
    max_connections: int,
    token: str | None = None,
    trace_configs: Sequence[aiohttp.TraceConfig] = (),
) -> Client:
    """A generated `Client` whose async calls go straight to aiohttp, each with the token if one is given,
    traced by the `trace_configs` if any (loadclient.tracing).

    The generated `AuthenticatedClient` would add the header through httpx, which this client bypasses.
    """
    requester = AiohttpRequester(base_url, max_connections, token=token, trace_configs=trace_configs)
    return Client(base_url=base_url).set_async_httpx_client(requester)  # type: ignore[arg-type]
