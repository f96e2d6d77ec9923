"""Our operation layer: each operation validated, bound and called by objects built once at start-up.

Connexion builds, for every request, a URI parser and a parameter validator in its validation layer and
a body validator that parses the body, then re-decorates the handler in its last layer (`AsyncOperation`
builds a `StarletteDecorator`, whose wrapper builds another URI parser and runs `inspect.signature`) and
parses the body again. Profiled under wrk on GET /{uuid}, that was about 40% of the server's CPU. This
layer is a `RoutedMiddleware`, the base Connexion gives middlewares that serve operations by the
operationId its routing put in the scope, and it takes the place of both: for each operation it builds
once the validators named in `add_api(validator_map=...)` (Connexion's classes or subclasses of them, so
the errors are theirs), the URI parser and the argument binding, and per request it runs the Content-Type
policy (server.http.media_types), parameter validation, body reading and validation, and the handler, with the
body the validator parsed. It binds arguments the way Connexion's parameter decorator does for what the
contract uses: path and query parameters (URI parsing by the operation's own URI parser class, defaults,
nullable, arrays, Connexion's name sanitising) and a JSON body; a handler with an `accept` argument gets
the request's Accept header (None without one) to choose among the media types its contract lists, as
OpenAPI has no parameter for it; the bearer scheme is checked before this layer (server.contract.security).
Anything else (form bodies, other security schemes, context injection, **kwargs handlers, sync handlers) is
refused at start-up.

What it relies on in Connexion is listed in `CONNEXION_SHAPE` and checked when the app starts and by
tests/contract/test_connexion_internals.py, so that an upgrade that changes them fails loudly.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from connexion.decorators.parameter import pythonic, sanitized
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, RoutedMiddleware
from connexion.operations import AbstractOperation
from connexion.utils import inspect_function_arguments, is_null, is_nullable, make_type
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.contract.security import requires_token
from server.contract.validation import JsonBodyValidator, NamedParameterValidator
from server.http.media_types import accepted_media_types, check_media_type

JSON_MEDIA_TYPE: Final = "application/json"
# The handler argument given the request's Accept header.
ACCEPT_ARGUMENT: Final = "accept"

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
        "request_body",
        "security",
        "security_schemes",
        "uri_parser_class",
    ),
    "RoutedAPI": ("add_paths", "make_operation", "operations", "next_app", "base_path"),
    "RoutedMiddleware": ("add_api", "apis", "app"),
    "URIParser": ("resolve_path", "resolve_query"),
    "ConnexionRequest": ("path_params", "query_params"),
    "ParameterValidator": ("validate_request", "parameters"),
    "JSONRequestBodyValidator": ("_schema", "_required"),
}


class ConnexionShapeChanged(RuntimeError):
    """Connexion no longer offers what server/contract/operations.py is built on: review the module for it."""


def check_connexion_shape(name: str, target: object) -> None:
    missing = [attribute for attribute in CONNEXION_SHAPE[name] if not hasattr(target, attribute)]
    if missing:
        raise ConnexionShapeChanged(
            f"Connexion's {name} no longer has {', '.join(missing)}: server/contract/operations.py binds "
            "operations through it; review that module against the installed Connexion, or pin the version "
            "it supports"
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
    argument: str | None
    accepted: frozenset[str]
    validator: JsonBodyValidator
    nullable: bool
    default: Any


@dataclass(frozen=True)
class Validators:
    """The validator classes given to `add_api(validator_map=...)`, and whether validation is strict."""

    parameter: type[NamedParameterValidator]
    json_body: type[JsonBodyValidator]
    strict: bool

    @classmethod
    def from_api_options(cls, validator_map: dict[str, Any] | None, strict: bool) -> Validators:
        validator_map = validator_map or {}
        parameter = validator_map.get("parameter")
        json_body = validator_map.get("body", {}).get(JSON_MEDIA_TYPE)
        if not (isinstance(parameter, type) and issubclass(parameter, NamedParameterValidator)):
            raise TypeError(f"validator_map['parameter'] must be a NamedParameterValidator: {parameter!r}")
        if not (isinstance(json_body, type) and issubclass(json_body, JsonBodyValidator)):
            raise TypeError(f"validator_map['body']['{JSON_MEDIA_TYPE}'] must be a JsonBodyValidator")
        return cls(parameter, json_body, strict)


class BoundOperation:
    """One operation: its validators, its handler and how each argument is read, all settled at start-up."""

    def __init__(
        self, operation: AbstractOperation, validators: Validators, *, pythonic_params: bool
    ) -> None:
        check_connexion_shape("AbstractOperation", operation)
        self.operation_id: str = operation.operation_id
        # BearerSecurity, before this layer, checks the bearer scheme; any other scheme is refused here.
        requires_token(operation)
        handler = operation.function
        unwrapped = inspect.unwrap(handler)
        if not inspect.iscoroutinefunction(unwrapped):
            raise TypeError(f"{self.operation_id}: handlers must be `async def` to be bound here")
        arguments, has_kwargs = inspect_function_arguments(unwrapped)
        if has_kwargs or "context_" in arguments:
            raise TypeError(f"{self.operation_id}: **kwargs and context_ handlers are not bound here")
        self._handler: Callable[..., Awaitable[Any]] = handler
        self._takes_accept = ACCEPT_ARGUMENT in arguments
        sanitize = pythonic if pythonic_params else sanitized
        self._uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        check_connexion_shape("URIParser", self._uri_parser)
        self._parameters = validators.parameter(
            operation.parameters,
            uri_parser=self._uri_parser,
            strict_validation=validators.strict,
            security_query_params=[],
        )
        check_connexion_shape("ParameterValidator", self._parameters)

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
            if any(media_type.lower() != JSON_MEDIA_TYPE for media_type in operation.consumes):
                raise TypeError(f"{self.operation_id}: only {JSON_MEDIA_TYPE} bodies are bound here")
            argument = sanitize(operation.body_name(JSON_MEDIA_TYPE))
            schema = operation.body_schema(JSON_MEDIA_TYPE)
            self._body = _Body(
                argument if argument in arguments else None,
                accepted_media_types(operation.consumes),
                validators.json_body(
                    schema=schema,
                    required=operation.request_body.get("required", False),
                    nullable=is_nullable(operation.body_definition(JSON_MEDIA_TYPE)),
                    encoding="utf-8",
                    strict_validation=validators.strict,
                    uri_parser=self._uri_parser,
                ),
                is_nullable(schema),
                schema.get("default", {}),
            )
            check_connexion_shape("JSONRequestBodyValidator", self._body.validator)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Checked in Connexion's order: the Content-Type, the parameters, then the body.
        if self._body is not None:
            check_media_type(scope, self._body.accepted)
        if self._parameters.passes_on_path_alone(scope):
            kwargs = self._arguments(scope, scope.get("path_params", {}), {})
        else:
            request = ConnexionRequest(scope, uri_parser=self._uri_parser)
            self._parameters.validate_request(request)
            # The request resolved (and cached) its parameters for validation: binding reads the same values.
            kwargs = self._arguments(
                scope,
                request.path_params if scope.get("path_params") else {},
                request.query_params if scope["query_string"] else {},
            )
        if self._body is not None:
            body = await self._body.validator.read_body(receive)
            if self._body.argument is not None:
                kwargs[self._body.argument] = self._bound_body(body, self._body)
        response = await self._handler(**kwargs)
        if not isinstance(response, Response):
            raise TypeError(f"{self.operation_id}: handlers bound here answer a starlette Response")
        await response(scope, receive, send)

    def _arguments(
        self, scope: Scope, path_params: Mapping[str, Any], query_params: Mapping[str, Any]
    ) -> dict[str, Any]:
        kwargs = dict(self._query_defaults)
        if self._takes_accept:
            kwargs[ACCEPT_ARGUMENT] = _header(scope, b"accept")
        for name, value in path_params.items():
            bound = self._path.get(name)
            if bound is None:
                kwargs[sanitized(name)] = value
            else:
                kwargs[bound[0]] = bound[1](value)
        for name, value in query_params.items():
            bound = self._query.get(name)
            if bound is not None:
                kwargs[bound[0]] = bound[1](value)
        return kwargs

    @staticmethod
    def _bound_body(parsed: Any, body: _Body) -> Any:
        if parsed is None:
            return None if body.nullable else copy.deepcopy(body.default)
        return parsed


def _header(scope: Scope, name: bytes) -> str | None:
    return next((value.decode("latin-1") for key, value in scope["headers"] if key == name), None)


class _OperationsApi(RoutedAPI[BoundOperation]):  # type: ignore[misc]  # connexion is untyped
    def __init__(
        self,
        *args: Any,
        pythonic_params: bool = False,
        validator_map: dict[str, Any] | None = None,
        strict_validation: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._pythonic_params = pythonic_params
        self._validators = Validators.from_api_options(validator_map, strict_validation)
        check_connexion_shape("RoutedAPI", self)
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> BoundOperation:
        return BoundOperation(operation, self._validators, pythonic_params=self._pythonic_params)


class OperationLayer(RoutedMiddleware[_OperationsApi]):  # type: ignore[misc]  # connexion is untyped
    """Validates and serves every operation of the APIs it is given; what routing matched to no operation
    goes on. It replaces Connexion's RequestValidationMiddleware: the two must not both be in the stack."""

    api_cls = _OperationsApi

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        check_connexion_shape("RoutedMiddleware", self)
        if ROUTING_CONTEXT != "connexion_routing":
            raise ConnexionShapeChanged(f"Connexion's routing context is now {ROUTING_CONTEXT!r}")
