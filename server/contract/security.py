"""The contract's security requirements, enforced: operations that require the bearer scheme need a token.

Connexion's SecurityMiddleware is left out of the stack: it routes every request through a router of its
own, resolves a verification function per scheme from `x-bearerInfoFunc` and answers with problems in its
own shape. This layer sits after our router, which has put the operation's id in the scope, and looks the
id up in the set of operations that require a token, built once from what Connexion resolved for each
operation (its own `security`, else the contract's). Only `http` `bearer` schemes are supported: a
contract that asks for anything else is refused at start-up, never served open by mistake.
"""

from __future__ import annotations

from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, SpecMiddleware
from connexion.operations import AbstractOperation
from starlette.types import ASGIApp, Receive, Scope, Send

from server.http.bearer import BearerTokens, Credentials, authorization, unauthorized


def requires_token(operation: AbstractOperation) -> bool:
    """Whether every alternative of the operation's security requirement is the bearer scheme.

    An empty requirement, or an empty alternative (`{}`), leaves the operation open.
    """
    requirement: list[dict[str, Any]] = operation.security or []
    if not requirement or any(not alternative for alternative in requirement):
        return False
    schemes: dict[str, Any] = operation.security_schemes or {}
    for alternative in requirement:
        for name in alternative:
            scheme = schemes.get(name, {})
            if scheme.get("type") != "http" or str(scheme.get("scheme", "")).lower() != "bearer":
                raise TypeError(
                    f"{operation.operation_id}: security scheme {name!r} is not an http bearer scheme, "
                    "the only one server/contract/security.py enforces"
                )
    return True


class _Protected(RoutedAPI[bool]):  # type: ignore[misc]  # connexion is untyped
    """The ids of an API's operations that require a token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, next_app=None, **kwargs)
        self.operation_ids: set[str] = set()
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> bool:
        protected = requires_token(operation)
        if protected:
            self.operation_ids.add(operation.operation_id)
        return protected


class BearerSecurity(SpecMiddleware):  # type: ignore[misc]  # connexion is untyped
    """401 for a request to a protected operation without one of the server's tokens."""

    def __init__(self, app: ASGIApp, *, tokens: BearerTokens) -> None:
        self.app = app
        self._tokens = tokens
        self._protected: set[str] = set()

    def add_api(self, specification: Any, base_path: str | None = None, **kwargs: Any) -> None:
        """Called by Connexion for each `add_api`: learn which operations require a token."""
        self._protected |= _Protected(specification, base_path=base_path, **kwargs).operation_ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            operation_id = scope["extensions"][ROUTING_CONTEXT]["operation_id"]
            if operation_id in self._protected:
                credentials = self._tokens.check(authorization(scope))
                if credentials is not Credentials.VALID:
                    await unauthorized(credentials)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
