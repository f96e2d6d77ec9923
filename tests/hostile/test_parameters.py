"""Path ids and query numbers are written as in JSON, finite, or answered 422; no redirect is built from Host.

Python's int() and float() accept `+5`, `05`, `1_0`, ` 5`, fullwidth digits (U+FF15), `NaN`, `Infinity`,
and overflow `1e309` to infinity: the contract's integer and number types accept none of them.
"""

from __future__ import annotations

import httpx
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_problem, assert_still_serving

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

NOT_INTEGERS = ["abc", "1.5", "+1", "01", "1_0", "\uff11", "1e3", "0x10", " 1"]
NOT_NUMBERS = ["NaN", "nan", "Infinity", "-Infinity", "1e309", "+5", "05", "1_0", "\uff15", "", " 1", "0x1"]


@pytest.mark.parametrize("value", NOT_INTEGERS)
@pytest.mark.parametrize(
    ("method", "template"),
    [("GET", "/item/{}"), ("DELETE", "/item/{}"), ("GET", "/cart/{}"), ("POST", "/cart/1/add/{}")],
)
def test_a_path_id_that_is_not_an_integer_answers_422(
    live_server: ServerProcess, value: str, method: str, template: str
) -> None:
    response = httpx.request(method, live_server.base_url + template.format(value))
    assert_problem(response, 422, "path parameter")
    assert_still_serving(live_server.base_url)


def test_the_cart_id_of_an_add_is_checked_too(live_server: ServerProcess) -> None:
    assert_problem(httpx.post(f"{live_server.base_url}/cart/x/add/1"), 422, "'cart_id'")


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("path", ["/item", "/cart"])
def test_a_price_bound_that_is_not_a_finite_json_number_answers_422(
    live_server: ServerProcess, value: str, path: str
) -> None:
    response = httpx.get(f"{live_server.base_url}{path}", params={"min_price": value})
    assert_problem(response, 422, "query parameter 'min_price'")
    assert_still_serving(live_server.base_url)


@pytest.mark.parametrize("value", NOT_INTEGERS)
def test_a_query_integer_not_written_as_json_answers_422(live_server: ServerProcess, value: str) -> None:
    response = httpx.get(f"{live_server.base_url}/item", params={"limit": value})
    assert_problem(response, 422, "query parameter 'limit'")


@pytest.mark.parametrize("value", ["0", "0.5", "10", "1e2", "1E+2", "2.5e-1"])
def test_a_finite_json_number_is_accepted_as_a_price_bound(live_server: ServerProcess, value: str) -> None:
    assert httpx.get(f"{live_server.base_url}/item", params={"max_price": value}).status_code == 200


@pytest.mark.parametrize("path", ["/all/", "/new/", "/item/", "/item/1/", "/10/", "/healthz/"])
def test_a_trailing_slash_answers_404_without_a_redirect(live_server: ServerProcess, path: str) -> None:
    response = httpx.get(f"{live_server.base_url}{path}", headers={"Host": "attacker.example"})
    assert_problem(response, 404, "trailing slash")
    assert "location" not in response.headers
    assert_still_serving(live_server.base_url)


def test_swagger_ui_still_answers_under_its_slash(live_server: ServerProcess) -> None:
    assert httpx.get(f"{live_server.base_url}/ui/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/item/9223372036854775807"),
        ("PUT", "/item/9223372036854775807"),
        ("DELETE", "/item/2147483648"),
        ("GET", "/cart/9223372036854775807"),
        ("POST", "/cart/9223372036854775807/add/9223372036854775807"),
    ],
)
def test_the_largest_ids_the_contract_allows_are_simply_not_found(
    live_server: ServerProcess, method: str, path: str
) -> None:
    body = {"name": "n", "price": 1.0} if method == "PUT" else None
    assert_problem(httpx.request(method, f"{live_server.base_url}{path}", json=body), 404)
    assert_still_serving(live_server.base_url)
