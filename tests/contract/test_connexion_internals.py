"""The Connexion internals our modules extend still have the shape they were written against.

server/validation.py overrides non-public methods of Connexion's validators and server/app.py rebuilds
its default middleware list. pyproject.toml caps Connexion at the minor these were tested with; when the
cap is raised, these tests say exactly what moved instead of letting requests fail in odd ways.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import connexion
import pytest
from connexion import AsyncApp
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.validators import AbstractRequestBodyValidator, JSONRequestBodyValidator, ParameterValidator
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from server.paths import SPEC_PATH

TESTED = "3.3"


def _require(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(
            f"Connexion {connexion.__version__} no longer has {what}, which server/ extends (tested with "
            f"{TESTED}.x): adapt server/validation.py or server/app.py, then raise the cap in pyproject.toml",
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
