"""On a server given tokens, the chat's WebSocket needs one: in an Authorization header or a subprotocol.

Without a valid token the server accepts the handshake and closes at once with 4401 (none) or 4403 (refused),
codes a browser can read (openapi/asyncapi.yaml). It selects the `chat` subprotocol, never the bearer one,
which would echo the token. A server without tokens ignores them.
"""

from __future__ import annotations

import uuid

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from devtools.server import ServerProcess
from server.chat.limits import REASONS, CloseCode
from tests.utils.chat import RECEIVE_TIMEOUT_S, join, receive
from tests.utils.tokens import API_TOKEN, OTHER_TOKEN, bearer, bearer_subprotocol

pytestmark = pytest.mark.slow

CHAT = Subprotocol("chat")


def room() -> str:
    return f"tokens-{uuid.uuid4().hex[:12]}"


def offering(*names: str) -> list[Subprotocol]:
    return [Subprotocol(name) for name in names]


async def closed_with(client: ClientConnection) -> tuple[int, str]:
    """The close code and reason the server sent (the connection must close, not relay)."""
    with pytest.raises(ConnectionClosed) as closed:
        await receive(client, 1, within_s=RECEIVE_TIMEOUT_S)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_clients_with_the_token_in_the_authorization_header_chat(secured_server: ServerProcess) -> None:
    name = room()
    async with (
        join(secured_server.base_url, name, additional_headers=bearer()) as sender,
        join(secured_server.base_url, name, additional_headers=bearer(OTHER_TOKEN)) as receiver,
    ):
        await sender.send("with a header")
        [frame] = await receive(receiver, 1)
        assert frame.endswith(" :: with a header")


async def test_clients_with_the_token_as_a_subprotocol_chat(secured_server: ServerProcess) -> None:
    name = room()
    offer = offering("chat", bearer_subprotocol())
    async with (
        join(secured_server.base_url, name, subprotocols=offer) as sender,
        join(secured_server.base_url, name, subprotocols=offer) as receiver,
    ):
        await sender.send("with a subprotocol")
        [frame] = await receive(receiver, 1)
        assert frame.endswith(" :: with a subprotocol")


async def test_the_server_selects_the_chat_subprotocol_never_the_bearer_one(
    secured_server: ServerProcess,
) -> None:
    offer = offering(bearer_subprotocol(), "chat")
    async with join(secured_server.base_url, room(), subprotocols=offer) as client:
        assert client.subprotocol == CHAT


async def test_a_client_without_a_token_is_closed_with_4401(secured_server: ServerProcess) -> None:
    async with join(secured_server.base_url, room()) as client:
        assert await closed_with(client) == (4401, REASONS[CloseCode.TOKEN_MISSING])


async def test_a_wrong_token_in_the_header_is_closed_with_4403(secured_server: ServerProcess) -> None:
    async with join(
        secured_server.base_url, room(), additional_headers=bearer("not-a-token-of-this-server")
    ) as client:
        assert await closed_with(client) == (4403, REASONS[CloseCode.TOKEN_REFUSED])


@pytest.mark.parametrize(
    "subprotocol",
    [
        bearer_subprotocol("not-a-token-of-this-server"),
        "bearer.",
        "bearer.not*base64",
        f"bearer.{API_TOKEN}x",
    ],
    ids=["wrong", "empty", "not-base64url", "raw-token"],
)
async def test_a_wrong_token_as_a_subprotocol_is_closed_with_4403(
    secured_server: ServerProcess, subprotocol: str
) -> None:
    offer = offering("chat", subprotocol)
    async with join(secured_server.base_url, room(), subprotocols=offer) as client:
        assert client.subprotocol == CHAT
        assert await closed_with(client) == (4403, REASONS[CloseCode.TOKEN_REFUSED])


async def test_the_token_is_checked_before_the_room_name(secured_server: ServerProcess) -> None:
    async with join(secured_server.base_url, "..") as client:
        assert (await closed_with(client))[0] == 4401


async def test_a_server_without_tokens_ignores_a_token_and_selects_the_chat_subprotocol(
    chat_server: ServerProcess,
) -> None:
    name = room()
    offer = offering("chat", bearer_subprotocol("any-token-at-all-goes"))
    async with (
        join(chat_server.base_url, name, subprotocols=offer) as sender,
        join(chat_server.base_url, name) as receiver,
    ):
        assert sender.subprotocol == CHAT
        await sender.send("open chat")
        [frame] = await receive(receiver, 1)
        assert frame.endswith(" :: open chat")
