"""A request's spans answer where its time went: one server span named by route, then under it the wait
for a pooled connection and a client span per SQL statement, with no request body or parameter value."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.testclient import TestClient

from server.db.tracing import POOL_WAIT_SPAN

SECRET_TEXT = "a-record-text-no-span-may-carry"


def _server_span(spans: Sequence[ReadableSpan]) -> ReadableSpan:
    (server,) = [span for span in spans if span.kind == SpanKind.SERVER]
    return server


def _children(spans: Sequence[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [
        span for span in spans if span.parent is not None and span.parent.span_id == parent.context.span_id
    ]


def _statements(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if span.kind == SpanKind.CLIENT]


def _every_value(spans: Sequence[ReadableSpan]) -> str:
    """Names, attribute values and event attributes of every span, as one string to search."""
    parts: list[str] = []
    for span in spans:
        parts.append(span.name)
        parts += [str(value) for value in (span.attributes or {}).values()]
        for event in span.events:
            parts += [str(value) for value in (event.attributes or {}).values()]
    return "\n".join(parts)


def test_post_new_has_a_server_span_named_by_its_route(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert traced_client.post("/new", json=[{"text": SECRET_TEXT}]).status_code == 201
    server = _server_span(exporter.get_finished_spans())
    assert server.name == "POST /new"
    assert server.parent is None
    attributes = server.attributes or {}
    assert attributes["http.route"] == "/new"
    assert attributes["http.request.method"] == "POST"
    assert attributes["http.response.status_code"] == 201
    assert attributes["url.path"] == "/new"


def test_post_new_runs_its_statements_under_the_server_span_without_a_pool_wait_when_one_is_free(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    traced_client.post("/new", json=[{"text": SECRET_TEXT}])
    spans = exporter.get_finished_spans()
    server = _server_span(spans)
    assert [span for span in spans if span.name == POOL_WAIT_SPAN] == []
    statements = _statements(spans)
    assert statements
    assert all(
        span.parent is not None and span.parent.span_id == server.context.span_id for span in statements
    )
    assert {span.name.split()[0] for span in statements} >= {"INSERT"}


def test_sql_spans_carry_the_statement_with_placeholders_and_the_database_system(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    traced_client.post("/new", json=[{"text": SECRET_TEXT}])
    (insert,) = [
        span for span in _statements(exporter.get_finished_spans()) if span.name.startswith("INSERT")
    ]
    attributes = insert.attributes or {}
    assert attributes["db.system.name"] == "postgresql"
    query = str(attributes["db.query.text"])
    assert query.startswith("INSERT INTO records")
    assert "%(" in query


def test_no_span_of_post_new_carries_the_request_body_or_a_parameter_value(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    record_uuid = str(uuid.uuid4())
    traced_client.post("/new", json=[{"uuid": record_uuid, "text": SECRET_TEXT}])
    everything = _every_value(exporter.get_finished_spans())
    assert SECRET_TEXT not in everything
    assert record_uuid not in everything


def test_get_by_uuid_is_named_by_the_template_and_keeps_the_raw_path_in_url_path(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    (record,) = traced_client.post("/new", json=[{"text": SECRET_TEXT}]).json()
    exporter.clear()
    assert traced_client.get(f"/{record['uuid']}").status_code == 200
    spans = exporter.get_finished_spans()
    server = _server_span(spans)
    assert server.name == "GET /{key}"
    attributes = server.attributes or {}
    assert attributes["http.route"] == "/{key}"
    assert attributes["url.path"] == f"/{record['uuid']}"
    assert _children(spans, server) == _statements(spans)
    (select,) = _statements(spans)
    assert select.name.startswith("SELECT")
    # The uuid is in the raw path alone: never in the statement span.
    assert record["uuid"] not in _every_value([select])
    assert SECRET_TEXT not in _every_value(spans)


def test_cart_add_has_its_route_and_one_span_per_statement(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    item = traced_client.post("/item", json={"name": "secret-item-name", "price": 12.5}).json()
    cart_id = traced_client.post("/cart").json()["id"]
    exporter.clear()
    assert traced_client.post(f"/cart/{cart_id}/add/{item['id']}").status_code == 200
    spans = exporter.get_finished_spans()
    server = _server_span(spans)
    assert server.name == "POST /cart/{cart_id}/add/{item_id}"
    assert (server.attributes or {})["http.route"] == "/cart/{cart_id}/add/{item_id}"
    statements = _statements(spans)
    assert statements
    for span in statements:
        assert span.parent is not None and span.parent.span_id == server.context.span_id
        assert (span.attributes or {})["db.system.name"] == "postgresql"
    everything = _every_value(spans)
    assert "secret-item-name" not in everything
    assert "12.5" not in everything


def test_a_path_no_route_matches_is_named_by_its_method_alone(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert traced_client.get("/no/such/path").status_code == 404
    server = _server_span(exporter.get_finished_spans())
    assert server.name == "GET"
    assert "http.route" not in (server.attributes or {})


def test_a_request_its_caller_did_not_sample_records_no_span_at_all(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    unsampled = f"00-{'ab' * 16}-{'cd' * 8}-00"
    assert (
        traced_client.post("/new", json=[{"text": "x"}], headers={"traceparent": unsampled}).status_code
        == 201
    )
    # Neither the server span nor the pool wait nor a statement: children of an unsampled span are not opened.
    assert exporter.get_finished_spans() == ()


def test_a_sampled_caller_s_trace_is_continued_by_the_server_span(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    trace_id, parent_id = "ab" * 16, "cd" * 8
    traced_client.get("/all", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    server = _server_span(exporter.get_finished_spans())
    assert format(server.context.trace_id, "032x") == trace_id
    assert server.parent is not None and format(server.parent.span_id, "016x") == parent_id
    assert server.kind == SpanKind.SERVER
