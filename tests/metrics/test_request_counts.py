"""GET /metrics counts every request once, by method, the contract's route template and status code.

Requests that match no route share the route label `none`, so a scan of random paths adds no series;
every request is also timed, by method and route. Compared here scrape to scrape: each scrape is itself
counted, as `GET /metrics 200`, once it has answered.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from devtools.server import ServerProcess
from tests.utils.metrics import difference, requests_counted, scrape, value

pytestmark = pytest.mark.slow


def test_each_request_is_counted_once_by_method_route_template_and_status(
    metered_server: ServerProcess,
) -> None:
    before = requests_counted(scrape(metered_server.base_url))
    with httpx.Client(base_url=metered_server.base_url) as client:
        item = client.post("/item", json={"name": "lamp", "price": 12.5}).json()
        other = client.post("/item", json={"name": "desk", "price": 80}).json()
        client.get(f"/item/{item['id']}")
        client.get(f"/item/{other['id']}")
        client.get("/item/9999999999")
        cart = client.post("/cart").json()
        client.post(f"/cart/{cart['id']}/add/{item['id']}")
        client.post(f"/cart/{cart['id']}/add/9999999999")
        client.get(f"/{uuid.uuid4()}")
        client.get("/3")
        client.get("/item", params={"limit": 0})
    after = requests_counted(scrape(metered_server.base_url))
    assert difference(after, before) == {
        ("POST", "/item", "201"): 2,
        ("GET", "/item/{id}", "200"): 2,
        ("GET", "/item/{id}", "404"): 1,
        ("POST", "/cart", "201"): 1,
        ("POST", "/cart/{cart_id}/add/{item_id}", "200"): 1,
        ("POST", "/cart/{cart_id}/add/{item_id}", "404"): 1,
        ("GET", "/{key}", "404"): 1,
        ("GET", "/{key}", "200"): 1,
        ("GET", "/item", "422"): 1,
        ("GET", "/metrics", "200"): 1,
    }


def test_requests_matching_no_route_share_one_route_label(metered_server: ServerProcess) -> None:
    before = requests_counted(scrape(metered_server.base_url))
    with httpx.Client(base_url=metered_server.base_url) as client:
        for attempt in range(20):
            client.get(f"/no/such/path/{uuid.uuid4()}")
            client.get(f"/item/not-a-number-{attempt}")
        client.delete("/all")
        client.request("PROPFIND", "/pot")
    after = requests_counted(scrape(metered_server.base_url))
    # A path of the contract's shape with a bad id is refused (422) before routing: no route matched it.
    assert difference(after, before) == {
        ("GET", "none", "404"): 20,
        ("GET", "none", "422"): 20,
        ("DELETE", "none", "405"): 1,
        ("OTHER", "none", "405"): 1,
        ("GET", "/metrics", "200"): 1,
    }


def test_every_request_is_timed_by_method_and_route(metered_server: ServerProcess) -> None:
    before = scrape(metered_server.base_url)
    with httpx.Client(base_url=metered_server.base_url) as client:
        for _ in range(5):
            client.get("/healthz")
    after = scrape(metered_server.base_url)
    count = "http_request_duration_seconds_count"
    labels = {"method": "GET", "handler": "/healthz"}
    assert value(after, count, **labels) - value(before, count, **labels) == 5
    assert value(after, "http_request_duration_seconds_bucket", **labels, le="+Inf") == value(
        after, count, **labels
    )


def test_records_stored_and_deleted_are_counted(metered_server: ServerProcess) -> None:
    before = scrape(metered_server.base_url)
    with httpx.Client(base_url=metered_server.base_url) as client:
        stored = client.post("/new", json=[{"text": "a"}, {"text": "b"}, {"text": "c"}]).json()
        client.post("/new", json=stored)  # the same batch again: nothing new is stored
        client.delete(f"/{stored[0]['uuid']}")
        client.delete(f"/{stored[0]['uuid']}")  # already gone: 404, nothing deleted
    after = scrape(metered_server.base_url)
    assert value(after, "records_stored_total") - value(before, "records_stored_total") == 3
    assert value(after, "records_deleted_total") - value(before, "records_deleted_total") == 1


def test_chat_figures_exist_and_read_zero_until_the_chat_counts(metered_server: ServerProcess) -> None:
    samples = scrape(metered_server.base_url)
    assert ("chat_connections_open", frozenset()) in samples
    assert ("chat_messages_relayed_total", frozenset()) in samples
    assert value(samples, "chat_connections_open") == 0
    assert value(samples, "chat_messages_relayed_total") == 0
