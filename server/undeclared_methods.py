"""Answer 405, with the contract's Allow list, for a method a path does not declare."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_TEMPLATE_PARAMETER = re.compile(r"\{[^}/]+\}")


def declared_methods(spec_path: Path) -> list[tuple[str, frozenset[str]]]:
    """Each path of the contract with its methods, literal paths first, as the router tries them."""
    spec = yaml.safe_load(spec_path.read_text())
    declared = []
    for path, item in spec["paths"].items():
        methods = {method.upper() for method in item if method in _HTTP_METHODS}
        if "GET" in methods:
            methods.add("HEAD")
        declared.append((path, frozenset(methods)))
    return sorted(declared, key=lambda entry: "{" in entry[0])


class UndeclaredMethodGuard:
    """Reject a method the addressed path does not declare, before routing sees the request.

    The router takes the first route whose path and method both match, and answers 405 from the first
    route whose path alone matches. So without this, `DELETE /all` would reach `DELETE /{key}` and fail
    its validation with 422, and `OPTIONS /{uuid}` would list only GET in its Allow header.
    """

    def __init__(self, app: ASGIApp, *, declared: list[tuple[str, frozenset[str]]]) -> None:
        self.app = app
        self.literal = {path: methods for path, methods in declared if "{" not in path}
        self.templated = [
            (re.compile("[^/]+".join(map(re.escape, _TEMPLATE_PARAMETER.split(path))) + "$"), methods)
            for path, methods in declared
            if "{" in path
        ]

    def _methods_for(self, path: str) -> frozenset[str] | None:
        methods = self.literal.get(path)
        if methods is not None:
            return methods
        for pattern, methods in self.templated:
            if pattern.match(path):
                return methods
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            methods = self._methods_for(scope["path"])
            if methods is not None and scope["method"] not in methods:
                raise HTTPException(405, headers={"Allow": ", ".join(sorted(methods))})
        await self.app(scope, receive, send)
