"""Answer, before routing, what Starlette's router would get wrong for this contract.

- A method the addressed path does not declare: 405 with the contract's Allow list. The router takes the
  first route whose path and method both match, so `DELETE /all` would reach `DELETE /{key}` (422) and
  `OPTIONS /{uuid}` would list only GET.
- A path id that is not an integer (`/item/abc`, `/item/1.5`): 422 like every other invalid parameter,
  where the router's int converter does not match and answers 404 (or 405 from another route).
- A declared path with a trailing slash (`/all/`): 404, where the router redirects with a `Location`
  built from the client's Host header.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from server.contract import HTTP_METHODS, Contract
from server.validation import number_syntax_error

_TEMPLATE_PARAMETER = re.compile(r"\{([^}/]+)\}")


class DeclaredPath(NamedTuple):
    path: str
    methods: frozenset[str]
    # Path parameters whose schema is a number type, with that type ("integer" or "number").
    numeric: dict[str, str]


def _resolve(spec: Contract, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def declared_paths(spec: Contract) -> list[DeclaredPath]:
    """Each path of the contract with its methods and numeric path parameters, literal paths first."""
    declared = []
    for path, item in spec["paths"].items():
        methods = {method.upper() for method in item if method in HTTP_METHODS}
        if "GET" in methods:
            methods.add("HEAD")
        numeric = {}
        operations = [item, *(item[method] for method in item if method in HTTP_METHODS)]
        for parameter in (_resolve(spec, p) for op in operations for p in op.get("parameters", [])):
            schema = _resolve(spec, parameter.get("schema", {}))
            if parameter["in"] == "path" and schema.get("type") in ("integer", "number"):
                numeric[parameter["name"]] = schema["type"]
        declared.append(DeclaredPath(path, frozenset(methods), numeric))
    return sorted(declared, key=lambda entry: "{" in entry.path)


def _template_pattern(path: str) -> re.Pattern[str]:
    """`/item/{id}` -> `/item/(?P<id>[^/]+)$`: each parameter one whole path segment, as Starlette has it."""
    parts = _TEMPLATE_PARAMETER.split(path)
    literals, names = parts[::2], parts[1::2]
    pattern = re.escape(literals[0])
    for name, literal in zip(names, literals[1:], strict=True):
        pattern += f"(?P<{name}>[^/]+){re.escape(literal)}"
    return re.compile(pattern + "$")


class RouteGuard:
    def __init__(self, app: ASGIApp, *, declared: list[DeclaredPath]) -> None:
        self.app = app
        self.literal = {entry.path: entry for entry in declared if "{" not in entry.path}
        self.templated = [(_template_pattern(entry.path), entry) for entry in declared if "{" in entry.path]

    def _match(self, path: str) -> tuple[DeclaredPath, dict[str, str]] | None:
        entry = self.literal.get(path)
        if entry is not None:
            return entry, {}
        for pattern, entry in self.templated:
            match = pattern.match(path)
            if match:
                return entry, match.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/") and self._match(path.rstrip("/")):
                raise HTTPException(404, f"no such path: {path} (without the trailing slash it exists)")
            found = self._match(path)
            if found is not None:
                entry, values = found
                if scope["method"] not in entry.methods:
                    allow = ", ".join(sorted(entry.methods))
                    detail = f"{scope['method']} is not declared for this path; it allows {allow}"
                    raise HTTPException(405, detail, headers={"Allow": allow})
                for name, kind in entry.numeric.items():
                    error = number_syntax_error(kind, values[name])
                    if error:
                        raise HTTPException(422, f"path parameter '{name}': {error}")
        await self.app(scope, receive, send)
