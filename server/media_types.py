"""The Content-Type policy: what each operation accepts, checked after routing and before validation."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from server.contract import Contract, operations


def consumed_media_types(contract: Contract) -> dict[str, frozenset[str]]:
    """Each operation with the media types its request body may have; empty when it takes none.

    Keyed by the id Connexion's router puts in the scope.
    """
    return {
        operation.routed_id: frozenset(
            media.lower() for media in operation.definition.get("requestBody", {}).get("content", {})
        )
        for operation in operations(contract)
    }


class MediaTypeGuard:
    """Hold every request to its operation's media types, which are case-insensitive (RFC 9110).

    - An operation that takes a body needs a Content-Type: without one the answer is 415, rather than
      guessing JSON. The type is lowercased for Connexion, which looks validators up by exact string
      and let `APPLICATION/JSON` through unvalidated (a 500 in the handler).
    - An operation that takes no body ignores the Content-Type: a `multipart/form-data` without a
      boundary made Connexion parse a form nobody asked for and answer 400 in its own shape.
    """

    def __init__(self, app: ASGIApp, *, consumed: Mapping[str, frozenset[str]]) -> None:
        self.app = app
        self.consumed = consumed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            routing = scope.get("extensions", {}).get("connexion_routing", {})
            accepted = self.consumed.get(routing.get("operation_id") or "")
            if accepted is not None:
                scope = self._checked(scope, accepted)
        await self.app(scope, receive, send)

    @staticmethod
    def _checked(scope: Scope, accepted: frozenset[str]) -> Scope:
        others = [(name, value) for name, value in scope["headers"] if name != b"content-type"]
        declared = [value for name, value in scope["headers"] if name == b"content-type"]
        if not accepted:
            return {**scope, "headers": others} if declared else scope
        if not declared:
            raise HTTPException(415, f"a request body needs a Content-Type: {', '.join(sorted(accepted))}")
        media_type, separator, parameters = declared[0].decode("latin-1").partition(";")
        media_type = media_type.strip().lower()
        if media_type not in accepted:
            raise HTTPException(
                415, f"Content-Type {media_type!r} is not accepted here: {', '.join(sorted(accepted))}"
            )
        content_type = f"{media_type}{separator}{parameters}".encode("latin-1")
        return {**scope, "headers": [*others, (b"content-type", content_type)]}
