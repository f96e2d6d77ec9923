"""Where a chat room of a running server is, for the tests and the chat benchmark."""

from __future__ import annotations

from urllib.parse import urlsplit


def chat_url(base_url: str, room: str, query: str = "") -> str:
    """The WebSocket URL of a room on the server at base_url (http://host:port)."""
    host = urlsplit(base_url).netloc
    return f"ws://{host}/chat/{room}{'?' + query if query else ''}"
