"""Our operation layer: each operation's handler, argument binding and URI parser resolved once at start-up.

Connexion's own last layer (`AsyncOperation`) re-decorates the handler on every request: it builds a
`StarletteDecorator`, whose wrapper builds the parameter decorator and the URI parser and runs
`inspect.signature`, and then parses a JSON body that its validator has already parsed. Profiled under wrk
on GET /{uuid}, that was about a fifth of the server's CPU. This layer is a `RoutedMiddleware`, the base
Connexion gives middlewares that serve operations by the operationId its routing put in the scope: it sits
in `AsyncApp(middlewares=...)` after validation, answers every operation it bound and leaves the rest to
Connexion. It binds arguments the way Connexion's parameter decorator does for what the contract uses:
path and query parameters (URI parsing by the operation's own URI parser class, defaults, nullable, arrays,
Connexion's name sanitising) and a JSON body, taken from the validator (`validation.JsonBodyValidator`).
Anything else (form bodies, context injection, **kwargs handlers, sync handlers) is refused at start-up.

What it relies on in Connexion is listed in `CONNEXION_SHAPE` and checked when the app starts and by
tests/contract/test_connexion_internals.py, so that an upgrade that changes them fails loudly.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from connexion.decorators.parameter import pythonic, sanitized
from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, RoutedMiddleware
from connexion.operations import AbstractOperation
from connexion.utils import inspect_function_arguments, is_null, is_nullable, make_type
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.validation import PARSED_BODY

JSON_MEDIA_TYPE: Final = "application/json"

# What this module uses of Connexion, by object: checked at start-up and by a test.
CONNEXION_SHAPE: Final[dict[str, tuple[str, ...]]] = {
    "AbstractOperation": (
        "operation_id",
        "function",
        "parameters",
        "is_request_body_defined",
        "consumes",
        "body_name",
        "body_schema",
        "body_definition",
        "uri_parser_class",
    ),
    "RoutedAPI": ("add_paths", "make_operation", "operations", "next_app", "base_path"),
    "RoutedMiddleware": ("add_api", "apis", "app"),
    "URIParser": ("resolve_path", "resolve_query"),
    "JSONRequestBodyValidator": ("wrap_receive", "_insert_messages"),
}


class ConnexionShapeChanged(RuntimeError):
    """Connexion no longer offers what server/operations.py is built on: review the module for it."""


def check_connexion_shape(name: str, target: object) -> None:
    missing = [attribute for attribute in CONNEXION_SHAPE[name] if not hasattr(target, attribute)]
    if missing:
        raise ConnexionShapeChanged(
            f"Connexion's {name} no longer has {', '.join(missing)}: server/operations.py binds operations "
            "through it; review that module against the installed Connexion, or pin the version it supports"
        )


Converter = Callable[[Any], Any]


def _converter(definition: dict[str, Any]) -> Converter:
    """The cast Connexion's parameter decorator applies to a parameter of this definition."""
    schema = definition.get("schema", definition)
    nullable = is_nullable(schema)
    if schema["type"] == "array":
        items = schema["items"]

        def cast(value: Any) -> Any:
            return [make_type(part, items["type"], items.get("format")) for part in value]
    else:
        type_, format_ = schema["type"], schema.get("format")

        def cast(value: Any) -> Any:
            return make_type(value, type_, format_)

    if not nullable:
        return cast
    return lambda value: None if is_null(value) else cast(value)


def _query_default(definition: dict[str, Any]) -> tuple[bool, Any]:
    """Whether a query parameter has a default, and which (scalars only: the contract has no others)."""
    if "default" in definition:
        return True, definition["default"]
    schema = definition.get("schema", {})
    if schema.get("type") == "object":
        raise ValueError(f"query parameter {definition['name']!r} is an object: not bound by this layer")
    if "default" in schema:
        return True, schema["default"]
    return False, None


@dataclass(frozen=True)
class _Body:
    argument: str
    nullable: bool
    default: Any


class BoundOperation:
    """One operation: its handler and how each of its arguments is read, all settled at start-up."""

    def __init__(self, operation: AbstractOperation, *, pythonic_params: bool) -> None:
        check_connexion_shape("AbstractOperation", operation)
        self.operation_id: str = operation.operation_id
        handler = operation.function
        unwrapped = inspect.unwrap(handler)
        if not inspect.iscoroutinefunction(unwrapped):
            raise TypeError(f"{self.operation_id}: handlers must be `async def` to be bound here")
        arguments, has_kwargs = inspect_function_arguments(unwrapped)
        if has_kwargs or "context_" in arguments:
            raise TypeError(f"{self.operation_id}: **kwargs and context_ handlers are not bound here")
        self._handler: Callable[..., Awaitable[Any]] = handler
        sanitize = pythonic if pythonic_params else sanitized
        uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        check_connexion_shape("URIParser", uri_parser)
        self._resolve_path = uri_parser.resolve_path
        self._resolve_query = uri_parser.resolve_query

        self._path: dict[str, tuple[str, Converter]] = {}
        self._query: dict[str, tuple[str, Converter]] = {}
        self._query_defaults: dict[str, Any] = {}
        for definition in operation.parameters:
            name, location = definition["name"], definition["in"]
            argument = sanitize(name)
            if location == "path":
                self._path[name] = (argument, _converter(definition))
            elif location == "query" and argument in arguments:
                convert = _converter(definition)
                self._query[name] = (argument, convert)
                has_default, default = _query_default(definition)
                if has_default:
                    self._query_defaults[argument] = convert(default)

        self._body: _Body | None = None
        if operation.is_request_body_defined:
            if any(media_type != JSON_MEDIA_TYPE for media_type in operation.consumes):
                raise TypeError(f"{self.operation_id}: only {JSON_MEDIA_TYPE} bodies are bound here")
            argument = sanitize(operation.body_name(JSON_MEDIA_TYPE))
            if argument in arguments:
                self._body = _Body(
                    argument,
                    is_nullable(operation.body_schema(JSON_MEDIA_TYPE)),
                    operation.body_schema(JSON_MEDIA_TYPE).get("default", {}),
                )

    def _arguments(self, scope: Scope) -> dict[str, Any]:
        kwargs = dict(self._query_defaults)
        path_params = scope.get("path_params")
        if path_params:
            for name, value in self._resolve_path(path_params).items():
                bound = self._path.get(name)
                if bound is None:
                    kwargs[sanitized(name)] = value
                else:
                    kwargs[bound[0]] = bound[1](value)
        if scope["query_string"]:
            given = QueryParams(scope["query_string"])
            for name, value in self._resolve_query({key: given.getlist(key) for key in given}).items():
                bound = self._query.get(name)
                if bound is not None:
                    kwargs[bound[0]] = bound[1](value)
        if self._body is not None:
            kwargs[self._body.argument] = self._parsed_body(scope, self._body)
        return kwargs

    def _parsed_body(self, scope: Scope, body: _Body) -> Any:
        try:
            parsed = scope["extensions"][PARSED_BODY]
        except KeyError:
            raise ConnexionShapeChanged(
                f"{self.operation_id}: no parsed body in the scope; is JsonBodyValidator Connexion's "
                f"{JSON_MEDIA_TYPE} body validator, and does Connexion still call its wrap_receive?"
            ) from None
        if parsed is None:
            return None if body.nullable else copy.deepcopy(body.default)
        return parsed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handler(**self._arguments(scope))
        if not isinstance(response, Response):
            raise TypeError(f"{self.operation_id}: handlers bound here answer a starlette Response")
        await response(scope, receive, send)


class _OperationsApi(RoutedAPI[BoundOperation]):  # type: ignore[misc]  # connexion is untyped
    def __init__(self, *args: Any, pythonic_params: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pythonic_params = pythonic_params
        check_connexion_shape("RoutedAPI", self)
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> BoundOperation:
        return BoundOperation(operation, pythonic_params=self._pythonic_params)


class OperationLayer(RoutedMiddleware[_OperationsApi]):  # type: ignore[misc]  # connexion is untyped
    """Serves every operation of the APIs it is given; what routing matched to no operation goes on."""

    api_cls = _OperationsApi

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        check_connexion_shape("RoutedMiddleware", self)
        if ROUTING_CONTEXT != "connexion_routing":
            raise ConnexionShapeChanged(f"Connexion's routing context is now {ROUTING_CONTEXT!r}")

    def bound_operation_ids(self) -> set[str]:
        return {
            operation_id
            for apis in self.apis.values()
            for api in apis
            for operation_id in api.operations
            if operation_id is not None
        }
