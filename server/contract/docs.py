"""The contract for people: Swagger UI at /ui and the spec at /openapi.json and /openapi.yaml."""

from __future__ import annotations

from typing import Any

from connexion.middleware.swagger_ui import SwaggerUIAPI, SwaggerUIMiddleware
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

DOCS_PATHS = ("/openapi.json", "/openapi.yaml", "/ui")


class _ServedContract(SwaggerUIAPI):
    """Connexion's spec and Swagger UI routes, serving the contract with a server a person can see.

    Connexion replaces the contract's `servers` with the base path the request came through, which at the
    root is "" and shows in Swagger UI as an empty list of servers: the root is "/".
    """

    def _spec_for_prefix(self, request: Request) -> dict[str, Any]:
        spec: dict[str, Any] = super()._spec_for_prefix(request)
        return {**spec, "servers": [{**server, "url": server["url"] or "/"} for server in spec["servers"]]}


class DocsMiddleware(SwaggerUIMiddleware):
    """Connexion's Swagger UI and spec routes, consulted only for their own paths.

    The stock middleware sends every request through a router of its own before the API's router sees
    it; a prefix test keeps that out of the API's hot path.
    """

    def add_api(self, specification: Any, base_path: str | None = None, **kwargs: Any) -> None:
        """As Connexion's, with the contract served by _ServedContract."""
        api = _ServedContract(specification, base_path=base_path, default=self.default_fn, **kwargs)
        self.router.mount(api.base_path, app=api.router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DOCS_PATHS):
            await super().__call__(scope, receive, send)
        else:
            await self.app(scope, receive, send)
