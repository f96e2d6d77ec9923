"""The router: each request matched to its operation by the contract's paths, once, before anything else.

It takes the place of Connexion's RoutingMiddleware and leaves what that middleware leaves for the
layers after it: the operation's id (the one Connexion's resolver gave it, read from `add_api`) in
`scope["extensions"]["connexion_routing"]` and the path parameters in `scope["path_params"]`. Connexion
routes with a Starlette router under a mount, a context variable and a scope copy per request (8% of a
GET /{uuid}); and that router gets these wrong for this contract, which this one answers itself:

- A method the addressed path does not declare: 405 with the contract's Allow list. The router takes the
  first route whose path and method both match, so `DELETE /all` would reach `DELETE /{key}` (422) and
  `OPTIONS /{uuid}` would list only GET.
- A path id that is not an integer (`/item/abc`, `/item/1.5`): 422 like every other invalid parameter,
  where the router's int converter does not match and answers 404 (or 405 from another route).
- A declared path with a trailing slash (`/all/`): 404, where the router redirects with a `Location`
  built from the client's Host header.

A path the contract does not have goes on with no operation: Connexion's own app answers it 404.
tests/contract/test_routing_parity.py holds this router to Connexion's on every operation.
"""

from __future__ import annotations

import re
from typing import Any, Final, NamedTuple

from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, SpecMiddleware
from connexion.operations import AbstractOperation
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from server.contract.spec import HTTP_METHODS, Contract
from server.contract.validation import number_syntax_error

_TEMPLATE_PARAMETER = re.compile(r"\{([^}/]+)\}")


class DeclaredPath(NamedTuple):
    path: str
    methods: frozenset[str]
    # Path parameters whose schema is a number type, with that type ("integer" or "number").
    numeric: dict[str, str]


# Where the router leaves the template of the path it routed to an operation (`/item/{id}`), in the
# scope's extensions: the metrics label requests with it.
ROUTE_TEMPLATE: Final = "records_shop.route"

# Connexion's router converts number path parameters as Starlette's int and float convertors do.
_CONVERT = {"integer": int, "number": float}


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


class _OperationIds(RoutedAPI[str]):  # type: ignore[misc]  # connexion is untyped
    """The id Connexion's resolver gives each operation of an API, by path and method."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, next_app=None, **kwargs)
        self.by_route: dict[tuple[str, str], str] = {}
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> str:
        operation_id: str = operation.operation_id
        self.by_route[operation.path, operation.method.upper()] = operation_id
        return operation_id


class Router(SpecMiddleware):  # type: ignore[misc]  # connexion is untyped
    """Connexion's routing layer for one API served at the root, with the contract's answers to what
    Starlette's router gets wrong."""

    def __init__(self, app: ASGIApp, *, declared: list[DeclaredPath]) -> None:
        self.app = app
        self.literal = {entry.path: entry for entry in declared if "{" not in entry.path}
        self.templated = [(_template_pattern(entry.path), entry) for entry in declared if "{" in entry.path]
        self._declared = {entry.path: entry for entry in declared}
        self._operation_ids: dict[tuple[str, str], str] = {}

    def add_api(self, specification: Any, base_path: str | None = None, **kwargs: Any) -> None:
        """Called by Connexion for each `add_api`: learn the ids its resolver gives the operations."""
        api = _OperationIds(specification, base_path=base_path, **kwargs)
        if api.base_path:
            raise ValueError(f"the router serves one API at the root, not at {api.base_path!r}")
        self._operation_ids.update(api.by_route)
        for path, method in api.by_route:
            entry = self._declared.get(path)
            if entry is None or method not in entry.methods:
                raise ValueError(f"{method} {path} is not in the contract the router was given")

    def _match(self, path: str) -> tuple[DeclaredPath, dict[str, str]] | None:
        entry = self.literal.get(path)
        if entry is not None:
            return entry, {}
        for pattern, entry in self.templated:
            match = pattern.match(path)
            if match:
                return entry, match.groupdict()
        return None

    def _operation_id(self, path: str, method: str) -> str | None:
        # Starlette answers HEAD with the GET route.
        operation_id = self._operation_ids.get((path, method))
        if operation_id is None and method == "HEAD":
            return self._operation_ids.get((path, "GET"))
        return operation_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/") and self._match(path.rstrip("/")):
            raise HTTPException(404, f"no such path: {path} (without the trailing slash it exists)")
        operation_id = None
        found = self._match(path)
        if found is not None:
            entry, values = found
            method = scope["method"]
            if method not in entry.methods:
                allow = ", ".join(sorted(entry.methods))
                detail = f"{method} is not declared for this path; it allows {allow}"
                raise HTTPException(405, detail, headers={"Allow": allow})
            for name, kind in entry.numeric.items():
                error = number_syntax_error(kind, values[name])
                if error:
                    raise HTTPException(422, f"path parameter '{name}': {error}")
                values[name] = _CONVERT[kind](values[name])
            operation_id = self._operation_id(entry.path, method)
            if values:
                scope["path_params"] = values
        extensions = scope.get("extensions")
        if extensions is None:
            extensions = scope["extensions"] = {}
        extensions[ROUTING_CONTEXT] = {"api_base_path": "", "operation_id": operation_id}
        if operation_id is not None:
            extensions[ROUTE_TEMPLATE] = entry.path
        await self.app(scope, receive, send)
