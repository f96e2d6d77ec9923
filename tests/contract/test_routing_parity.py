"""server/routing.Router leaves in the scope what Connexion's RoutingMiddleware would, for every operation.

The layers after routing (the operation layer, response validation, metrics) find their operation by the
id routing writes; the router replaced Connexion's for speed, so it is held to Connexion's answers here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import pytest
from connexion import AsyncApp
from connexion.middleware.routing import RoutingMiddleware
from starlette.responses import Response
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from server.config.paths import SPEC_PATH
from server.contract.routing import Router, declared_paths
from server.contract.spec import load_contract
from tests.utils.contract import operations

SAMPLE_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


class _Recorder:
    """Answers at once with what routing left in the scope: no handler runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        seen = {"operation_id": routing.get("operation_id"), "path_params": scope.get("path_params", {})}
        await Response(repr(sorted(seen.items())))(scope, receive, send)


def _routed(router: Callable[..., ASGIApp], method: str, path: str) -> str:
    app = AsyncApp(__name__, middlewares=[router, _Recorder])
    app.add_api(SPEC_PATH)
    with TestClient(app) as client:
        return client.request(method, path).text


def _concrete_paths(template: str) -> list[str]:
    """The template with each parameter filled in: an integer id, or a uuid and a count for `{key}`."""
    if "{key}" in template:
        return [template.replace("{key}", SAMPLE_UUID), template.replace("{key}", "10")]
    return [re.sub(r"\{[^}]+\}", "7", template)]


_CONTRACT = load_contract(SPEC_PATH)
_REQUESTS = [
    (operation.method.upper(), path)
    for operation in operations(_CONTRACT)
    for path in _concrete_paths(operation.path)
]


@pytest.mark.parametrize(("method", "path"), _REQUESTS, ids=[f"{m} {p}" for m, p in _REQUESTS])
def test_router_finds_the_operation_and_path_parameters_connexion_finds(method: str, path: str) -> None:
    ours = _routed(partial(Router, declared=declared_paths(_CONTRACT)), method, path)
    assert ours == _routed(RoutingMiddleware, method, path)
    assert "'operation_id', None" not in ours


def test_router_leaves_a_path_outside_the_contract_without_operation_as_connexion_does() -> None:
    ours = _routed(partial(Router, declared=declared_paths(_CONTRACT)), "GET", "/no/such/path")
    assert ours == _routed(RoutingMiddleware, "GET", "/no/such/path")
    assert "'operation_id', None" in ours


def test_router_refuses_an_api_it_cannot_serve_at_start_up() -> None:
    app = AsyncApp(__name__, middlewares=[partial(Router, declared=declared_paths(_CONTRACT)), _Recorder])
    app.add_api(SPEC_PATH, base_path="/v1")
    with pytest.raises(ValueError, match="one API at the root"), TestClient(app):
        pass
