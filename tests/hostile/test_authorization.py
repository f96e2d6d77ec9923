"""Hostile Authorization headers: oversized, malformed or doubled, each is a 401 problem and nothing more."""

from __future__ import annotations

import httpx
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_problem, assert_still_serving
from tests.utils.raw_http import as_httpx, connect, read_answer, request_head
from tests.utils.tokens import API_TOKEN, bearer

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.mark.parametrize("size", [8 * 1024, 64 * 1024, 1024 * 1024])
def test_an_oversized_token_is_refused_as_invalid(secured_server: ServerProcess, size: int) -> None:
    response = httpx.get(f"{secured_server.base_url}/all", headers={"Authorization": "Bearer " + "A" * size})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert_still_serving(secured_server.base_url, bearer())


@pytest.mark.parametrize(
    "value",
    ["Bearer", "Basic dXNlcjpwYXNzd29yZA==", "Digest username=x", API_TOKEN, ",,,"],
    ids=["scheme-only", "basic", "digest", "token-without-scheme", "commas"],
)
def test_a_malformed_header_is_a_401_challenge(secured_server: ServerProcess, value: str) -> None:
    response = httpx.get(f"{secured_server.base_url}/all", headers={"Authorization": value})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer ")


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (b"\xff\xfe\xfd-not-utf8-at-all", 401),
        (API_TOKEN.encode() + b" trailing junk", 401),
        (b" \t ", 401),
        # A NUL in a header value is not HTTP: the parser refuses it before the app sees it.
        (b"tok\x00en-with-a-nul-inside", 400),
    ],
    ids=["latin1-bytes", "two-words", "blank", "nul"],
)
def test_token_bytes_no_client_library_sends_are_refused_not_a_500(
    secured_server: ServerProcess, token: bytes, status: int
) -> None:
    with connect(secured_server.base_url) as sock:
        head = request_head("GET", "/all", {}).removesuffix(b"\r\n\r\n")
        sock.sendall(head + b"\r\nAuthorization: Bearer " + token + b"\r\n\r\n")
        answer = read_answer(sock)
    assert_problem(as_httpx(answer), status)
    assert_still_serving(secured_server.base_url, bearer())


def test_a_second_authorization_header_does_not_rescue_a_wrong_first(secured_server: ServerProcess) -> None:
    wrong = "Bearer wrong-token-of-nobody-at-all"
    headers = [("Authorization", wrong), ("Authorization", f"Bearer {API_TOKEN}")]
    response = httpx.get(f"{secured_server.base_url}/all", headers=headers)
    assert_problem(response, 401)


def test_a_token_in_the_query_string_is_not_a_credential(secured_server: ServerProcess) -> None:
    response = httpx.get(f"{secured_server.base_url}/all", params={"access_token": API_TOKEN})
    # RFC 6750's query form leaks tokens into logs: the server takes the header only.
    assert response.status_code == 401


def test_many_refused_requests_leave_the_server_serving(secured_server: ServerProcess) -> None:
    with httpx.Client(base_url=secured_server.base_url) as client:
        statuses = {client.get("/all", headers=bearer(f"guess-{n:020d}")).status_code for n in range(300)}
    assert statuses == {401}
    assert httpx.get(f"{secured_server.base_url}/all", headers=bearer()).status_code == 200
