"""Request bodies: one depth limit, chunked bodies accepted, a size limit by length and while streaming.

The default limit is sized from the contract: a batch of 1000 records of 1000 characters, every character
\\u-escaped, is accepted. Over-limit and slow bodies are refused before anything parses them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import orjson
import pytest

from devtools.server import ServerProcess
from server.config.settings import Settings
from server.contract.validation import MAX_JSON_DEPTH
from tests.hostile.conftest import SHORT_BODY_READ_TIMEOUT_S, SMALL_BODY_LIMIT
from tests.utils.problems import assert_problem, assert_still_serving
from tests.utils.raw_http import as_httpx, connect, read_answer, request_head

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

JSON = {"Content-Type": "application/json"}


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 257, 1023, 1024, 5000])
@pytest.mark.parametrize(("method", "path"), [("POST", "/new"), ("POST", "/item"), ("PATCH", "/item/1")])
def test_json_nested_past_the_depth_limit_answers_422(
    live_server: ServerProcess, depth: int, method: str, path: str
) -> None:
    response = httpx.request(method, f"{live_server.base_url}{path}", content=_nested(depth), headers=JSON)
    assert_problem(response, 422, f"deeper than {MAX_JSON_DEPTH} levels")
    assert_still_serving(live_server.base_url)


def test_json_at_the_depth_limit_is_judged_by_the_schema(live_server: ServerProcess) -> None:
    response = httpx.post(f"{live_server.base_url}/new", content=_nested(MAX_JSON_DEPTH), headers=JSON)
    problem = assert_problem(response, 422)
    assert "deeper" not in problem["detail"]


def _chunks(payload: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


def test_a_chunked_body_is_read_and_stored(live_server: ServerProcess) -> None:
    batch = [{"uuid": str(uuid.uuid4()), "text": f"chunked {i}"} for i in range(100)]
    response = httpx.post(f"{live_server.base_url}/new", content=_chunks(orjson.dumps(batch)), headers=JSON)
    assert response.status_code == 201, response.text
    assert response.json() == batch
    assert httpx.get(f"{live_server.base_url}/all").json() == batch


def test_the_largest_batch_the_contract_allows_fits_the_default_limit(live_server: ServerProcess) -> None:
    # 1000 records with their uuids and 1000 characters each, every character escaped as a surrogate pair
    # (12 bytes): the most bytes a valid batch takes.
    text = "\\ud83d\\ude00" * 1000
    records = (f'{{"uuid":"{uuid.uuid4()}","text":"{text}"}}' for _ in range(1000))
    payload = ("[" + ",".join(records) + "]").encode()
    assert len(payload) <= Settings().max_body_bytes
    response = httpx.post(f"{live_server.base_url}/new", content=payload, headers=JSON, timeout=60)
    assert response.status_code == 201
    assert len(response.json()) == 1000
    assert_still_serving(live_server.base_url)


def _padded_batch(size: int) -> bytes:
    """A valid one-record batch padded with JSON whitespace to exactly `size` bytes."""
    core = orjson.dumps([{"text": "padded"}])
    return core[:-1] + b" " * (size - len(core)) + b"]"


def test_a_body_exactly_at_the_limit_is_accepted(small_limits_server: ServerProcess) -> None:
    response = httpx.post(
        f"{small_limits_server.base_url}/new", content=_padded_batch(SMALL_BODY_LIMIT), headers=JSON
    )
    assert response.status_code == 201, response.text


def test_a_declared_length_past_the_limit_answers_413_before_the_body_is_sent(
    small_limits_server: ServerProcess,
) -> None:
    with connect(small_limits_server.base_url) as sock:
        # Only the head: the answer must not wait for a body that is never sent.
        sock.sendall(request_head("POST", "/new", {**JSON, "Content-Length": str(SMALL_BODY_LIMIT + 1)}))
        answer = read_answer(sock)
    assert answer.headers["connection"] == "close"
    assert_problem(as_httpx(answer), 413, str(SMALL_BODY_LIMIT))
    assert_still_serving(small_limits_server.base_url)


def test_a_huge_declared_length_answers_413(small_limits_server: ServerProcess) -> None:
    with connect(small_limits_server.base_url) as sock:
        sock.sendall(request_head("PUT", "/item/1", {**JSON, "Content-Length": str(200 * 1024 * 1024)}))
        answer = as_httpx(read_answer(sock))
    assert_problem(answer, 413)
    assert_still_serving(small_limits_server.base_url)


def test_a_chunked_body_past_the_limit_answers_413_while_it_streams(
    small_limits_server: ServerProcess,
) -> None:
    chunk = b" " * 8192
    with connect(small_limits_server.base_url) as sock:
        sock.sendall(request_head("POST", "/new", {**JSON, "Transfer-Encoding": "chunked"}))
        sock.sendall(b"1\r\n[\r\n")
        # Past the limit by one chunk, then stop sending: the answer must come without the rest.
        for _ in range(SMALL_BODY_LIMIT // len(chunk) + 1):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = as_httpx(read_answer(sock))
    assert_problem(answer, 413, str(SMALL_BODY_LIMIT))
    assert_still_serving(small_limits_server.base_url)


@pytest.mark.slow
def test_a_body_that_arrives_too_slowly_answers_408(small_limits_server: ServerProcess) -> None:
    with connect(small_limits_server.base_url) as sock:
        # Timed from before the request is sent: the server's clock starts when it first reads the body.
        started = time.monotonic()
        sock.sendall(request_head("POST", "/new", {**JSON, "Content-Length": "100"}) + b"[")
        answer = as_httpx(read_answer(sock))
        elapsed = time.monotonic() - started
    assert_problem(answer, 408, "did not arrive")
    assert SHORT_BODY_READ_TIMEOUT_S <= elapsed < SHORT_BODY_READ_TIMEOUT_S + 1
    assert_still_serving(small_limits_server.base_url)


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        (b"", "must not be empty"),
        (b"null", "null is not of type"),
        (b"   ", "not valid JSON"),
        (b'\xef\xbb\xbf{"name": "n", "price": 1}', "not valid JSON"),
        ('{"name": "é", "price": 1}'.encode("latin-1"), "not valid JSON"),
        ('{"name": "n", "price": 1}'.encode("utf-16"), "not valid JSON"),
        (b'{"name": "n", "price": 1e309}', "not valid JSON"),
        (b'{"name": "n", "price": NaN}', "not valid JSON"),
        (b'{"name": "n\\ud800", "price": 1}', "not valid JSON"),
    ],
)
def test_a_body_that_is_not_one_valid_json_value_answers_422(
    live_server: ServerProcess, body: bytes, mentions: str
) -> None:
    response = httpx.post(f"{live_server.base_url}/item", content=body, headers=JSON)
    assert_problem(response, 422, mentions)
    assert_still_serving(live_server.base_url)
