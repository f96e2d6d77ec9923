"""What server/operations.py builds on in Connexion is still there, and our layer answers every operation.

An upgrade of Connexion that changes these fails here with the name of what changed, not as a wrong
answer somewhere else.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml
from connexion import AsyncApp
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from connexion.operations import AbstractOperation, OpenAPIOperation
from connexion.uri_parsing import OpenAPIURIParser
from connexion.validators import JSONRequestBodyValidator

from server.operations import CONNEXION_SHAPE, OperationLayer, check_connexion_shape
from server.paths import SPEC_PATH
from tests.utils.app import app_client

# Set on instances by Connexion's __init__: the layer checks them when the app starts (second test).
SET_IN_INIT = {"operations", "next_app", "base_path", "apis", "app"}


def _contract_operation_ids() -> set[str]:
    contract = yaml.safe_load(SPEC_PATH.read_text())
    return {
        operation["operationId"]
        for methods in contract["paths"].values()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "operationId" in operation
    }


def test_connexion_still_has_every_attribute_the_operation_layer_uses() -> None:
    targets: dict[str, object] = {
        "AbstractOperation": OpenAPIOperation,
        "RoutedAPI": RoutedAPI,
        "RoutedMiddleware": RoutedMiddleware,
        "URIParser": OpenAPIURIParser,
        "JSONRequestBodyValidator": JSONRequestBodyValidator,
    }
    assert issubclass(OpenAPIOperation, AbstractOperation)
    assert set(targets) == set(CONNEXION_SHAPE)
    for name, target in targets.items():
        class_level = [a for a in CONNEXION_SHAPE[name] if a not in SET_IN_INIT]
        missing = [attribute for attribute in class_level if not hasattr(target, attribute)]
        assert missing == [], f"Connexion's {name} lost {missing}: review server/operations.py"
    check_connexion_shape("URIParser", OpenAPIURIParser([], {}))


def test_our_layer_answers_every_operation_of_the_contract(empty_database: Callable[[str, str], str]) -> None:
    with app_client(empty_database("sqlite", "internals")) as client:
        assert client.get("/healthz").status_code == 200
        app = client.app
        assert isinstance(app, AsyncApp)
        stack = app.middleware.middleware_stack
        layers = [app for app in stack if isinstance(app, OperationLayer)]
        assert len(layers) == 1, "OperationLayer is not in the middleware stack"
        # Connexion keys operations by the resolved handler's dotted name.
        bound = {operation_id.rsplit(".", 1)[-1] for operation_id in layers[0].bound_operation_ids()}
        assert bound == _contract_operation_ids()
