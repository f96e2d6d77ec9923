"""Each limit ends a connection with its documented close code; a bad room name is refused at the handshake.

The codes and reasons are those of openapi/asyncapi.yaml (server.chat.limits.CloseCode).
"""

from __future__ import annotations

import contextlib
import uuid

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from devtools.server import ServerProcess
from tests.utils.chat import close_code, join, receive

pytestmark = pytest.mark.slow


def room() -> str:
    return f"limits-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    "path",
    [
        "..",
        ".",
        ".hidden",
        "%2e%2e",
        "a%2Fb",
        "a/b",
        "a%20b",
        "caf%C3%A9",
        "x" * 65,
        "-dash-first",
        "room%00",
        "",
    ],
)
async def test_a_bad_room_name_is_refused_at_the_handshake_with_400(
    limited_server: ServerProcess, path: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with join(limited_server.base_url, path):
            pass
    assert refused.value.response.status_code == 400


def test_a_bad_room_name_answers_a_problem_naming_the_rule(limited_server: ServerProcess) -> None:
    response = httpx.get(
        f"{limited_server.base_url}/chat/..%2Fetc",
        headers={
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "letters, digits" in response.json()["detail"]


async def test_a_websocket_elsewhere_than_chat_is_refused_with_404(limited_server: ServerProcess) -> None:
    host = limited_server.base_url.removeprefix("http://")
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"ws://{host}/records", proxy=None):
            pass
    assert refused.value.response.status_code == 404


async def test_a_message_over_the_size_limit_closes_with_1009(limited_server: ServerProcess) -> None:
    async with join(limited_server.base_url, room()) as client:
        await client.send("é" * 33)  # 66 bytes in UTF-8, 33 characters
        assert await close_code(client) == 1009


async def test_a_megabyte_frame_closes_with_1009(
    limited_server: ServerProcess,
) -> None:
    async with join(limited_server.base_url, room(), max_size=None) as client:
        # The server may refuse the frame by its header and close before the whole megabyte is written:
        # then the send itself ends with the connection closed (a broken pipe under it).
        with contextlib.suppress(ConnectionClosed):
            await client.send("x" * 1_000_000)
        assert await close_code(client) == 1009


async def test_a_message_at_the_size_limit_is_relayed(limited_server: ServerProcess) -> None:
    name = room()
    async with join(limited_server.base_url, name) as sender, join(limited_server.base_url, name) as receiver:
        await sender.send("é" * 32)
        [frame] = await receive(receiver, 1)
        assert frame.endswith(" :: " + "é" * 32)


async def test_a_burst_over_the_rate_reaches_every_member_whole_and_in_order(
    burst_server: ServerProcess,
) -> None:
    name = room()
    async with join(burst_server.base_url, name) as sender, join(burst_server.base_url, name) as receiver:
        sent = [f"burst {n}" for n in range(200)]
        for text in sent:
            await sender.send(text)
        # 50 a second after the first second's 50: about 4 s.
        frames = await receive(receiver, len(sent), within_s=30)
        assert [frame.split(" :: ", 1)[1] for frame in frames] == sent
        await sender.send("still here")
        [after] = await receive(receiver, 1)
        assert after.endswith(" :: still here")


async def test_a_sender_slowed_down_for_the_throttle_time_on_end_closes_with_4002(
    limited_server: ServerProcess,
) -> None:
    async with join(limited_server.base_url, room()) as client:
        # 60 messages at 5 a second would take 11 s: the 2 s throttle time ends it first.
        for n in range(60):
            await client.send(f"flood {n}")
        assert await close_code(client) == 4002


async def test_a_connection_beyond_the_room_capacity_closes_with_4001(limited_server: ServerProcess) -> None:
    name = room()
    async with (
        join(limited_server.base_url, name),
        join(limited_server.base_url, name),
        join(limited_server.base_url, name) as third,
    ):
        assert await close_code(third) == 4001


async def test_a_place_in_a_full_room_frees_at_once_on_disconnect(limited_server: ServerProcess) -> None:
    name = room()
    async with join(limited_server.base_url, name) as stays:
        async with join(limited_server.base_url, name):
            pass
        async with join(limited_server.base_url, name) as newcomer:
            await newcomer.send("there is room")
            assert await receive(stays, 1)


async def test_a_binary_frame_closes_with_1003(limited_server: ServerProcess) -> None:
    async with join(limited_server.base_url, room()) as client:
        await client.send(b"\x00\x01")
        assert await close_code(client) == 1003
