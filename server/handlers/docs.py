"""GET /docs and GET /docs/chat: the contracts' reference pages, as `make docs` built them into docs/api/."""

from __future__ import annotations

from starlette.responses import Response

from server.config.paths import REFERENCE_DIR

# Read once at start-up (each page is about 2.5 MB, Redoc inlined): a request only sends the bytes.
API_PAGE = (REFERENCE_DIR / "index.html").read_bytes()
CHAT_PAGE = (REFERENCE_DIR / "chat.html").read_bytes()
_HTML = "text/html; charset=utf-8"


async def api_reference() -> Response:
    return Response(API_PAGE, media_type=_HTML)


async def chat_reference() -> Response:
    return Response(CHAT_PAGE, media_type=_HTML)
