"""GET /chat: the one-file page to chat from, served as it is on disk (no build step, nothing fetched)."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response

PAGE = (Path(__file__).parent / "page.html").read_bytes()


async def chat_page() -> Response:
    return Response(PAGE, media_type="text/html; charset=utf-8")
