"""`python -m scripts.chat_screenshot`: docs/chat.png, two chat pages side by side mid-conversation."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from playwright.async_api import FrameLocator, expect

from devtools.browser import chromium
from devtools.server import ServerProcess
from server.config.paths import PROJECT_ROOT

OUTPUT = PROJECT_ROOT / "docs" / "chat.png"
ROOM = "lobby"
CONVERSATION = [
    (0, "Hi! Is the build green again?"),
    (1, "Yes: the chat tests pass on SQLite and PostgreSQL."),
    (0, "Great, merging it now."),
    (1, "Ping me once it is deployed."),
]


async def say(frame: FrameLocator, text: str) -> None:
    await frame.locator("#text").fill(text)
    await frame.locator("#text").press("Enter")


async def capture(base_url: str) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1100, "height": 420})
        iframe = f'<iframe src="{base_url}/chat#{ROOM}" style="width:50%;height:100%;border:0"></iframe>'
        html = f'<body style="margin:0;display:flex;height:100vh">{iframe}{iframe}</body>'
        # Served from the server's own origin (the route never reaches it): a chat page framed by another
        # origin may not use sessionStorage, where it keeps the token, and stays "not connected".
        frame_page = f"{base_url}/__side_by_side"
        await page.route(frame_page, lambda route: route.fulfill(body=html, content_type="text/html"))
        await page.goto(frame_page)
        frames = [page.frame_locator("iframe").nth(n) for n in (0, 1)]
        for frame in frames:
            await expect(frame.locator("#status")).to_have_text(f"in {ROOM}")
        for count, (who, text) in enumerate(CONVERSATION, start=1):
            await say(frames[who], text)
            for frame in frames:
                await expect(frame.locator("#messages li")).to_have_count(count)
        await page.screenshot(path=OUTPUT)


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="chat-screenshot-"))
    with ServerProcess(f"sqlite:///{directory / 'service.sqlite3'}") as server:
        asyncio.run(capture(server.base_url))
    print(f"wrote {OUTPUT.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
