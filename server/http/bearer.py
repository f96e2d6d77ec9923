"""Bearer tokens (RFC 6750): whether a request's credentials are one of the server's, and the 401 if not."""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable
from typing import Final

from starlette.responses import Response
from starlette.types import Scope

from server.http.responses import problem

# The realm names what the token opens; RFC 6750 makes it optional, clients show it.
REALM: Final = "records-shop"
_SCHEME: Final = b"bearer"


class Credentials(enum.Enum):
    VALID = "valid"
    MISSING = "missing"
    INVALID = "invalid"


class BearerTokens:
    """The server's tokens, compared in constant time.

    Each token is kept as its SHA-256 digest and a presented one is hashed before comparing, so every
    comparison is of 32 bytes whatever the lengths, and every token is compared (no early exit): the time
    says nothing of how much of a token matched, nor which.
    """

    def __init__(self, tokens: Iterable[str]) -> None:
        self._digests = tuple(_digest(token.encode()) for token in tokens)
        if not self._digests:
            raise ValueError("BearerTokens needs at least one token: without any the API is open")

    def accepts(self, token: bytes) -> bool:
        presented = _digest(token)
        found = False
        for digest in self._digests:
            found |= hmac.compare_digest(presented, digest)
        return found

    def check(self, authorization: bytes | None) -> Credentials:
        """What an Authorization header's value (as received, bytes) holds."""
        if authorization is None:
            return Credentials.MISSING
        scheme, _, token = authorization.strip().partition(b" ")
        if scheme.lower() != _SCHEME:
            return Credentials.MISSING
        token = token.strip()
        if not token:
            return Credentials.MISSING
        return Credentials.VALID if self.accepts(token) else Credentials.INVALID


def authorization(scope: Scope) -> bytes | None:
    """The request's (or WebSocket handshake's) first Authorization header, as received."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bytes(value)
    return None


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def unauthorized(credentials: Credentials) -> Response:
    """The 401 problem, with the challenge RFC 6750 asks for: an error code only when a token was refused."""
    if credentials is Credentials.INVALID:
        challenge = f'Bearer realm="{REALM}", error="invalid_token"'
        detail = "the bearer token is not one this server accepts"
    else:
        challenge = f'Bearer realm="{REALM}"'
        detail = "this operation needs an `Authorization: Bearer <token>` header"
    return problem(401, detail, headers={"WWW-Authenticate": challenge})
