"""GET /chat serves a page that chats for real in headless Chromium, and reconnects when the server returns.

Two pages in one room exchange messages; a page in another room sees nothing of it. A page that sends faster
than the server's rate shows that it is being slowed, and stops showing it once it has caught up. On a server
given tokens the page asks for one, chats with it, and says so when there is none or it is refused.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devtools.server import ServerProcess
from tests.utils.tokens import API_TOKEN

pytestmark = pytest.mark.slow

QUIET_MS = 1000


async def open_room(page: Page, base_url: str, room: str) -> str:
    """Open the page in a room; the username it shows."""
    await page.goto(f"{base_url}/chat#{room}")
    await expect(page.locator("#status")).to_have_text(f"in {room}")
    await expect(page.locator("#me")).not_to_have_text("…")
    return await page.locator("#me").inner_text()


async def enter_token(page: Page, room: str, token: str) -> None:
    """Open the page (made with the server as its base_url) in a room; it asks for a token: enter one."""
    await page.goto(f"/chat#{room}")
    await expect(page.locator("#status")).to_contain_text("this chat needs a token")
    await page.locator("#token").fill(token)
    await page.locator("#token").press("Enter")


async def say(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")


async def paste_lines(page: Page, count: int) -> None:
    """Send `count` messages through the page's own form at once, as a script or a paste of lines would."""
    await page.evaluate(
        """(count) => {
            const text = document.getElementById("text"), form = document.getElementById("send");
            for (let n = 0; n < count; n++) { text.value = `line ${n}`; form.requestSubmit(); }
        }""",
        count,
    )


def test_the_page_is_html_served_by_the_app_with_nothing_from_elsewhere(chat_server: ServerProcess) -> None:
    response = httpx.get(f"{chat_server.base_url}/chat")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script src" not in response.text and "<link" not in response.text
    assert "https://" not in response.text and "http://" not in response.text


async def test_two_pages_in_a_room_chat_and_a_page_elsewhere_sees_nothing(
    chat_server: ServerProcess, browser: Browser
) -> None:
    room, other = f"page-{uuid.uuid4().hex[:8]}", f"page-{uuid.uuid4().hex[:8]}"
    alice, bob, carol = [await browser.new_page() for _ in range(3)]
    alice_name = await open_room(alice, chat_server.base_url, room)
    bob_name = await open_room(bob, chat_server.base_url, room)
    await open_room(carol, chat_server.base_url, other)
    assert alice_name != bob_name

    await say(alice, "hello from alice")
    await expect(bob.locator("#messages li")).to_have_text([f"{alice_name}hello from alice"])
    await say(bob, "hi alice")
    await expect(alice.locator("#messages li")).to_have_text(
        [f"{alice_name}hello from alice", f"{bob_name}hi alice"]
    )
    await carol.wait_for_timeout(QUIET_MS)
    await expect(carol.locator("#messages li")).to_have_count(0)


async def test_the_page_reconnects_when_the_server_comes_back(tmp_path: Path, browser: Browser) -> None:
    room = f"page-{uuid.uuid4().hex[:8]}"
    url = f"sqlite:///{tmp_path / 'restart.sqlite3'}"
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    try:
        page = await browser.new_page()
        await open_room(page, server.base_url, room)
        server.stop()
        await expect(page.locator("#status")).to_contain_text("reconnecting")
        server.start()
        await expect(page.locator("#status")).to_have_text(f"in {room}", timeout=15_000)
        other = await browser.new_page()
        other_name = await open_room(other, server.base_url, room)
        await say(other, "welcome back")
        await expect(page.locator("#messages li")).to_have_text([f"{other_name}welcome back"])
    finally:
        server.stop()


async def test_the_page_shows_it_is_slowed_while_the_server_holds_its_messages_back_then_clears_it(
    burst_server: ServerProcess, browser: Browser
) -> None:
    page = await browser.new_page()
    await open_room(page, burst_server.base_url, f"page-{uuid.uuid4().hex[:8]}")
    indicator = page.locator("#slowed")
    await expect(indicator).to_be_hidden()
    # 200 at 50 a second after a burst of 50: about 3 s slowed.
    await paste_lines(page, 200)
    await expect(indicator).to_be_visible()
    await expect(indicator).to_have_text("slowed: sending 50/s")
    await expect(indicator).to_be_hidden(timeout=15_000)
    await expect(page.locator("#status")).to_have_text(re.compile(r"^in page-"))


async def test_a_page_without_a_token_says_the_chat_needs_one_and_shows_a_token_field(
    secured_server: ServerProcess, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(f"{secured_server.base_url}/chat#page-{uuid.uuid4().hex[:8]}")
    await expect(page.locator("#status")).to_have_text("this chat needs a token: enter it above, then Join")
    await expect(page.locator("#token")).to_be_visible()


async def test_pages_given_the_token_chat_on_a_server_with_tokens(
    secured_server: ServerProcess, browser: Browser
) -> None:
    room = f"page-{uuid.uuid4().hex[:8]}"
    alice, bob = [await browser.new_page(base_url=secured_server.base_url) for _ in range(2)]
    for page in (alice, bob):
        await enter_token(page, room, API_TOKEN)
        await expect(page.locator("#status")).to_have_text(f"in {room}")
        await expect(page.locator("#token")).to_be_hidden()
    alice_name = await alice.locator("#me").inner_text()
    await say(alice, "hello with a token")
    await expect(bob.locator("#messages li")).to_have_text([f"{alice_name}hello with a token"])


async def test_a_page_given_a_wrong_token_says_it_was_refused(
    secured_server: ServerProcess, browser: Browser
) -> None:
    page = await browser.new_page(base_url=secured_server.base_url)
    await enter_token(page, f"page-{uuid.uuid4().hex[:8]}", "not-a-token-of-this-server")
    await expect(page.locator("#status")).to_have_text("token refused: check it, then Join")


async def test_the_page_keeps_the_token_in_session_storage_only(
    secured_server: ServerProcess, browser: Browser
) -> None:
    page = await browser.new_page(base_url=secured_server.base_url)
    room = f"page-{uuid.uuid4().hex[:8]}"
    await enter_token(page, room, API_TOKEN)
    await expect(page.locator("#status")).to_have_text(f"in {room}")
    assert await page.evaluate("sessionStorage.getItem('chat-token')") == API_TOKEN
    assert await page.evaluate("localStorage.length") == 0
    assert API_TOKEN not in page.url
