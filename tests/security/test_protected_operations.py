"""With API_TOKENS set, every operation the contract secures needs one of the tokens; the rest stay open.

Against a live server given two tokens (the `secured_server` fixture); tests/contract/test_fuzz.py fuzzes
the same server with the contract it serves. With API_TOKENS unset, every other test runs on an open server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import httpx
import pytest

from devtools.server import ServerProcess
from server.config.paths import SPEC_PATH
from server.contract.spec import load_contract
from tests.utils.contract import operations
from tests.utils.problems import assert_problem
from tests.utils.tokens import API_TOKEN, OTHER_TOKEN, bearer

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

CONTRACT = load_contract(SPEC_PATH)
OPEN_PATHS = ["/healthz", "/readyz", "/metrics", "/chat", "/docs", "/docs/chat", "/openapi.json", "/ui/"]


class Call(NamedTuple):
    method: str
    path: str
    body: Any
    # The answer the call gets with a valid token, on the data `_shop` made.
    status: int


def _shop(base_url: str) -> dict[str, int]:
    """An item and a cart, made with the token, for the calls that address them."""
    item = httpx.post(f"{base_url}/item", json={"name": "lamp", "price": 9.5}, headers=bearer()).json()
    cart = httpx.post(f"{base_url}/cart", headers=bearer()).json()
    return {"item": item["id"], "cart": cart["id"]}


RECORD = str(uuid.uuid4())

# Every operation that needs a token, by operationId: the table is checked against the contract below.
CALLS: dict[str, Callable[[dict[str, int]], Call]] = {
    "create_batch": lambda ids: Call("POST", "/new", [{"uuid": RECORD, "text": "a"}], 201),
    "list_all": lambda ids: Call("GET", "/all", None, 200),
    "get_by_key": lambda ids: Call("GET", f"/{uuid.uuid4()}", None, 404),
    "delete_by_key": lambda ids: Call("DELETE", f"/{uuid.uuid4()}", None, 404),
    "create_item": lambda ids: Call("POST", "/item", {"name": "desk", "price": 120}, 201),
    "list_items": lambda ids: Call("GET", "/item", None, 200),
    "get_item": lambda ids: Call("GET", f"/item/{ids['item']}", None, 200),
    "replace_item": lambda ids: Call("PUT", f"/item/{ids['item']}", {"name": "lamp", "price": 8}, 200),
    "update_item": lambda ids: Call("PATCH", f"/item/{ids['item']}", {"price": 7}, 200),
    "delete_item": lambda ids: Call("DELETE", f"/item/{ids['item']}", None, 200),
    "create_cart": lambda ids: Call("POST", "/cart", None, 201),
    "list_carts": lambda ids: Call("GET", "/cart", None, 200),
    "get_cart": lambda ids: Call("GET", f"/cart/{ids['cart']}", None, 200),
    "add_to_cart": lambda ids: Call("POST", f"/cart/{ids['cart']}/add/{ids['item']}", None, 200),
}


def _secured_operation_ids() -> set[str]:
    secured = set()
    for operation in operations(CONTRACT):
        if operation.definition.get("security", CONTRACT["security"]):
            secured.add(operation.definition["operationId"])
    return secured


def _send(base_url: str, call: Call, headers: dict[str, str]) -> httpx.Response:
    return httpx.request(call.method, base_url + call.path, json=call.body, headers=headers)


def test_the_table_covers_every_operation_the_contract_secures() -> None:
    assert set(CALLS) == _secured_operation_ids()


@ON_POSTGRESQL
@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_without_a_token_a_secured_operation_answers_401_with_a_bearer_challenge(
    secured_server: ServerProcess, operation_id: str
) -> None:
    call = CALLS[operation_id](_shop(secured_server.base_url))
    response = _send(secured_server.base_url, call, {})
    assert_problem(response, 401, "Authorization: Bearer")
    assert response.headers["www-authenticate"] == 'Bearer realm="records-shop"'


@ON_POSTGRESQL
@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_with_a_wrong_token_a_secured_operation_answers_401_invalid_token(
    secured_server: ServerProcess, operation_id: str
) -> None:
    call = CALLS[operation_id](_shop(secured_server.base_url))
    response = _send(secured_server.base_url, call, bearer(API_TOKEN[::-1]))
    assert_problem(response, 401, "not one this server accepts")
    assert response.headers["www-authenticate"] == 'Bearer realm="records-shop", error="invalid_token"'


@ON_POSTGRESQL
@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_with_a_token_a_secured_operation_works(secured_server: ServerProcess, operation_id: str) -> None:
    call = CALLS[operation_id](_shop(secured_server.base_url))
    response = _send(secured_server.base_url, call, bearer())
    assert response.status_code == call.status, response.text


@ON_POSTGRESQL
def test_a_refused_request_changes_nothing(secured_server: ServerProcess) -> None:
    record = str(uuid.uuid4())
    refused = httpx.post(f"{secured_server.base_url}/new", json=[{"uuid": record, "text": "x"}])
    assert refused.status_code == 401
    assert httpx.get(f"{secured_server.base_url}/{record}", headers=bearer()).status_code == 404


@ON_POSTGRESQL
def test_every_token_the_server_was_given_works(secured_server: ServerProcess) -> None:
    for token in (API_TOKEN, OTHER_TOKEN):
        assert httpx.get(f"{secured_server.base_url}/all", headers=bearer(token)).status_code == 200


@ON_POSTGRESQL
@pytest.mark.parametrize("path", OPEN_PATHS)
def test_probes_metrics_pages_and_the_contract_need_no_token(
    secured_server: ServerProcess, path: str
) -> None:
    assert httpx.get(secured_server.base_url + path).status_code == 200


@ON_POSTGRESQL
def test_the_secured_server_serves_the_contract_with_its_requirement(secured_server: ServerProcess) -> None:
    served = httpx.get(f"{secured_server.base_url}/openapi.json").json()
    assert served["security"] == [{"bearerAuth": []}]
    # Connexion serves the contract with its references resolved.
    assert "WWW-Authenticate" in served["paths"]["/all"]["get"]["responses"]["401"]["headers"]
    assert served["paths"]["/healthz"]["get"]["security"] == []


@ON_POSTGRESQL
def test_an_open_server_serves_the_contract_without_requirement_or_401s(live_server: ServerProcess) -> None:
    served = httpx.get(f"{live_server.base_url}/openapi.json").json()
    assert served["security"] == []
    for operation in operations(served):
        assert "security" not in operation.definition, operation.path
        assert "401" not in operation.definition["responses"], operation.path


@ON_POSTGRESQL
def test_an_open_server_needs_no_token(live_server: ServerProcess) -> None:
    assert httpx.get(f"{live_server.base_url}/all").status_code == 200
