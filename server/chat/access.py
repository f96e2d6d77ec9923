"""Who may open a chat connection on a server with tokens: a bearer token in the handshake, two ways.

A non-browser client sends `Authorization: Bearer <token>`. A browser cannot set headers on a WebSocket, so
the page offers two subprotocols instead (as Kubernetes does for the same problem): `chat`, the channel's own,
and `bearer.<token as base64url, no padding>`, since a subprotocol may hold only RFC 7230 token characters.
The server selects `chat` and never the bearer one: selecting it would echo the token in the response.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from starlette.types import Scope

from server.http.bearer import BearerTokens, Credentials, authorization

SUBPROTOCOL: Final = "chat"
BEARER_PREFIX: Final = "bearer."


def subprotocol(scope: Scope) -> str | None:
    """The subprotocol to select: `chat` when the client offered it (a browser that offered subprotocols
    fails a handshake that selects none), else none."""
    return SUBPROTOCOL if SUBPROTOCOL in scope.get("subprotocols", ()) else None


def credentials(tokens: BearerTokens, scope: Scope) -> Credentials:
    """Whether the handshake's Authorization header or a subprotocol holds one of the server's tokens."""
    from_header = tokens.check(authorization(scope))
    if from_header is Credentials.VALID:
        return Credentials.VALID
    # One token a connection: the first bearer subprotocol, so a handshake buys one comparison per token.
    offered = next((name for name in scope.get("subprotocols", ()) if name.startswith(BEARER_PREFIX)), None)
    if offered is None:
        return from_header
    token = _decode(offered.removeprefix(BEARER_PREFIX))
    return Credentials.VALID if token is not None and tokens.accepts(token) else Credentials.INVALID


def _decode(encoded: str) -> bytes | None:
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
