"""The token the secured test server accepts, and the header and the chat subprotocol that carry it."""

from __future__ import annotations

import base64
from typing import Final

# The form `secrets.token_urlsafe(32)` makes, which docs/configuration.md tells operators to use.
API_TOKEN: Final = "kqg2r3vX8yH1fJ0mZtW5uLcN7bPaDe4sQoIiEYxR6_A"
# The secured server's other token: a server may be given several (one per client, to rotate them).
OTHER_TOKEN: Final = "another-token-of-the-server"


def bearer(token: str = API_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def bearer_subprotocol(token: str = API_TOKEN) -> str:
    """The WebSocket subprotocol that carries a token to the chat: `bearer.` and its base64url, no padding."""
    return "bearer." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
