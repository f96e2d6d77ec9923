"""The Connexion internals our modules extend still have the shape they were written against.

server/contract/validation.py overrides non-public methods of Connexion's validators, server/app.py
rebuilds its default middleware list, server/contract/docs.py narrows its Swagger UI middleware, and
server/contract/operations.py binds each operation's handler itself. pyproject.toml caps Connexion
at the minor these were tested with; when the cap is raised, these tests say exactly what
moved instead of letting requests fail in odd ways.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import connexion
import pytest
from connexion import AsyncApp
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.operations import AbstractOperation, OpenAPIOperation
from connexion.uri_parsing import OpenAPIURIParser
from connexion.validators import AbstractRequestBodyValidator, JSONRequestBodyValidator, ParameterValidator
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from server.config.paths import SPEC_PATH
from server.contract.operations import CONNEXION_SHAPE, OperationLayer, check_connexion_shape
from server.contract.spec import load_contract
from tests.utils.app import app_client
from tests.utils.contract import operations

TESTED = "3.3"


def _require(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(
            f"Connexion {connexion.__version__} no longer has {what}, which server/ extends (tested with "
            f"{TESTED}.x): adapt server/contract/ or server/app.py, then raise the cap in pyproject.toml",
            pytrace=False,
        )


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_body_validators_parse_and_validate_through_the_methods_we_override() -> None:
    _require(
        _parameters(AbstractRequestBodyValidator._parse) == ["self", "stream", "scope"],
        "async AbstractRequestBodyValidator._parse(self, stream, scope)",
    )
    _require(inspect.iscoroutinefunction(AbstractRequestBodyValidator._parse), "an async _parse")
    _require(
        _parameters(AbstractRequestBodyValidator._validate) == ["self", "body"],
        "AbstractRequestBodyValidator._validate(self, body)",
    )
    _require(issubclass(JSONRequestBodyValidator, AbstractRequestBodyValidator), "JSONRequestBodyValidator")


def test_body_validators_keep_their_schema_and_nullability_where_we_read_them() -> None:
    validator = JSONRequestBodyValidator(
        schema={"type": "object"}, nullable=True, encoding="utf-8", strict_validation=True
    )
    _require(validator._schema == {"type": "object"}, "the body schema in `_schema`")
    _require(validator._nullable is True, "the body's nullability in `_nullable`")


def test_parameter_validator_validates_one_parameter_through_validate_parameter() -> None:
    _require(
        _parameters(ParameterValidator.validate_parameter)
        == ["parameter_type", "value", "param", "param_name"],
        "ParameterValidator.validate_parameter(parameter_type, value, param, param_name)",
    )


def test_parameter_validator_reads_the_query_through_the_methods_we_override() -> None:
    _require(
        _parameters(ParameterValidator.validate_query_parameter_list)
        == ["self", "request", "security_params"],
        "ParameterValidator.validate_query_parameter_list(self, request, security_params)",
    )
    _require(
        _parameters(ParameterValidator.validate_query_parameter) == ["self", "param", "request"],
        "ParameterValidator.validate_query_parameter(self, param, request)",
    )


def test_the_default_middlewares_we_rebuild_are_still_the_default_stack() -> None:
    names = [middleware.__name__ for middleware in ConnexionMiddleware.default_middlewares]
    _require(
        names
        == [
            "ServerErrorMiddleware",
            "ExceptionMiddleware",
            "SwaggerUIMiddleware",
            "RoutingMiddleware",
            "SecurityMiddleware",
            "RequestValidationMiddleware",
            "ResponseValidationMiddleware",
            "LifespanMiddleware",
            "ContextMiddleware",
        ],
        f"the default middleware stack server/app.py rebuilds (it is now {names})",
    )


def test_routing_records_the_matched_operation_id_in_the_scope() -> None:
    seen: list[Any] = []

    class Recorder:
        """Placed after the router, as metrics are: reads what routing left in the scope."""

        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id"))
            await self.app(scope, receive, send)

    app = AsyncApp(__name__, middlewares=[ExceptionMiddleware, RoutingMiddleware, Recorder])
    app.add_api(SPEC_PATH)
    with TestClient(app) as client:
        client.get("/healthz")
    _require(
        seen == ["server.handlers.health.healthz"],
        "the matched operation id in scope['extensions']['connexion_routing']['operation_id']",
    )


# Set on instances by Connexion's __init__: the layer checks them when the app starts (second test).
SET_IN_INIT = {"operations", "next_app", "base_path", "apis", "app", "_schema", "_required", "parameters"}


def _contract_operation_ids() -> set[str]:
    return {operation.definition["operationId"] for operation in operations(load_contract(SPEC_PATH))}


def test_connexion_still_has_every_attribute_the_operation_layer_uses() -> None:
    targets: dict[str, object] = {
        "AbstractOperation": OpenAPIOperation,
        "RoutedAPI": RoutedAPI,
        "RoutedMiddleware": RoutedMiddleware,
        "URIParser": OpenAPIURIParser,
        "ConnexionRequest": ConnexionRequest,
        "ParameterValidator": ParameterValidator,
        "JSONRequestBodyValidator": JSONRequestBodyValidator,
    }
    assert issubclass(OpenAPIOperation, AbstractOperation)
    assert set(targets) == set(CONNEXION_SHAPE)
    for name, target in targets.items():
        class_level = [a for a in CONNEXION_SHAPE[name] if a not in SET_IN_INIT]
        missing = [attribute for attribute in class_level if not hasattr(target, attribute)]
        assert missing == [], f"Connexion's {name} lost {missing}: review server/contract/operations.py"
    check_connexion_shape("URIParser", OpenAPIURIParser([], {}))
    # The fast path of server.contract.validation reads the parameters grouped by where they are.
    path_parameter = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
    grouped = ParameterValidator([path_parameter], uri_parser=None).parameters
    assert grouped["path"] == [path_parameter] and grouped["query"] == []
    check_connexion_shape(
        "JSONRequestBodyValidator",
        JSONRequestBodyValidator(schema={}, required=True, encoding="utf-8", strict_validation=True),
    )


def test_our_layer_answers_every_operation_of_the_contract(empty_database: Callable[[str, str], str]) -> None:
    with app_client(empty_database("sqlite", "internals")) as client:
        assert client.get("/healthz").status_code == 200
        app = client.app
        assert isinstance(app, AsyncApp)
        stack = app.middleware.middleware_stack
        layers = [app for app in stack if isinstance(app, OperationLayer)]
        assert len(layers) == 1, "OperationLayer is not in the middleware stack"
        # Connexion keys operations by the resolved handler's dotted name.
        bound = {
            operation_id.rsplit(".", 1)[-1]
            for apis in layers[0].apis.values()
            for api in apis
            for operation_id in api.operations
            if operation_id is not None
        }
        assert bound == _contract_operation_ids()


def test_our_layer_refuses_at_start_up_validators_it_does_not_run() -> None:
    # Connexion's own validator classes, as add_api gives them without a validator_map.
    app = AsyncApp(__name__, middlewares=[ExceptionMiddleware, RoutingMiddleware, OperationLayer])
    app.add_api(SPEC_PATH)
    with pytest.raises(TypeError, match="NamedParameterValidator"), TestClient(app):
        pass
