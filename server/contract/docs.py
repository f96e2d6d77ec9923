"""The contract for people: Swagger UI at /ui and the spec at /openapi.json and /openapi.yaml."""

from __future__ import annotations

from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.types import Receive, Scope, Send

DOCS_PATHS = ("/openapi.json", "/openapi.yaml", "/ui")


class DocsMiddleware(SwaggerUIMiddleware):
    """Connexion's Swagger UI and spec routes, consulted only for their own paths.

    The stock middleware sends every request through a router of its own before the API's router sees
    it; a prefix test keeps that out of the API's hot path.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DOCS_PATHS):
            await super().__call__(scope, receive, send)
        else:
            await self.app(scope, receive, send)
