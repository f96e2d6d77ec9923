"""A chat message's spans: a producer span as it is sent, and in each process that delivers it one consumer
span, under the producer span and linked to it, however many recipients it has there; no text, no username."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Sequence

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.testclient import TestClient, WebSocketTestSession

from server.app import create_app
from server.chat.tracing import PROCESS_SPAN, SEND_SPAN
from server.config.settings import Settings
from server.db import migrations

SECRET_TEXT = "a-chat-message-no-span-may-carry"


def _room() -> str:
    return f"traced-{uuid.uuid4().hex[:12]}"


def _chat_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [
        span for span in exporter.get_finished_spans() if span.kind in (SpanKind.PRODUCER, SpanKind.CONSUMER)
    ]


def _one(spans: Sequence[ReadableSpan], kind: SpanKind) -> ReadableSpan:
    (span,) = [span for span in spans if span.kind == kind]
    return span


def _send_and_receive(sender: WebSocketTestSession, *receivers: WebSocketTestSession) -> list[str]:
    sender.send_text(SECRET_TEXT)
    # The consumer span ends as the frames are queued, before any of them is written.
    return [receiver.receive_text() for receiver in receivers]


def _one_message(client: TestClient, room: str, recipients: int) -> None:
    """One message sent in `room` by a client of its own, received by `recipients` others."""
    with contextlib.ExitStack() as stack:
        sender, *receivers = (
            stack.enter_context(client.websocket_connect(f"/chat/{room}")) for _ in range(recipients + 1)
        )
        _send_and_receive(sender, *receivers)


def test_a_message_sent_has_a_producer_span_named_by_the_channel_and_attributed_to_its_room(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    room = _room()
    _one_message(traced_client, room, recipients=1)
    producer = _one(_chat_spans(exporter), SpanKind.PRODUCER)
    assert producer.name == SEND_SPAN == "send /chat/{chat_name}"
    assert producer.parent is None
    assert dict(producer.attributes or {}) == {
        "messaging.system": "postgresql",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": room,
        "messaging.destination.template": "/chat/{chat_name}",
    }


def test_the_delivery_has_a_consumer_span_under_the_producer_span_and_linked_to_it(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    room = _room()
    _one_message(traced_client, room, recipients=1)
    spans = _chat_spans(exporter)
    producer, consumer = _one(spans, SpanKind.PRODUCER), _one(spans, SpanKind.CONSUMER)
    assert consumer.name == PROCESS_SPAN == "process /chat/{chat_name}"
    assert consumer.parent is not None and consumer.parent.span_id == producer.context.span_id
    assert [(link.context.trace_id, link.context.span_id) for link in consumer.links] == [
        (producer.context.trace_id, producer.context.span_id)
    ]
    attributes = consumer.attributes or {}
    assert attributes["messaging.operation.type"] == "process"
    assert attributes["messaging.destination.name"] == room


def test_a_process_delivers_a_message_to_many_recipients_under_one_consumer_span(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    _one_message(traced_client, _room(), recipients=3)
    consumer = _one(_chat_spans(exporter), SpanKind.CONSUMER)
    assert (consumer.attributes or {})["chat.recipients"] == 3


def test_a_message_nobody_else_in_the_process_receives_has_no_consumer_span(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    with traced_client.websocket_connect(f"/chat/{_room()}") as alone:
        alone.send_text(SECRET_TEXT)
    # Leaving waits for the server's side of the connection to end, the message read before it.
    assert [span.kind for span in _chat_spans(exporter)] == [SpanKind.PRODUCER]


def test_no_chat_span_carries_the_message_text_or_a_username(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    room = _room()
    announced = f"/chat/{room}?announce=username"
    with (
        traced_client.websocket_connect(announced) as sender,
        traced_client.websocket_connect(announced) as receiver,
    ):
        sender_name, receiver_name = sender.receive_text(), receiver.receive_text()
        assert _send_and_receive(sender, receiver) == [f"{sender_name} :: {SECRET_TEXT}"]
    spans = _chat_spans(exporter)
    assert {span.kind for span in spans} == {SpanKind.PRODUCER, SpanKind.CONSUMER}
    values = "\n".join(
        [span.name for span in spans]
        + [str(value) for span in spans for value in (span.attributes or {}).values()]
    )
    for secret in (SECRET_TEXT, sender_name, receiver_name):
        assert secret not in values


def test_on_sqlite_the_in_process_fan_out_gives_a_message_the_same_two_spans(
    empty_database: Callable[[str, str], str],
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    url = empty_database("sqlite", "chat_traced")
    migrations.upgrade(url)
    settings = Settings(database_url=url, log_level="warning")
    with create_app(settings, tracer_provider=provider).test_client() as client:
        _one_message(client, _room(), recipients=2)
    spans = _chat_spans(exporter)
    producer, consumer = _one(spans, SpanKind.PRODUCER), _one(spans, SpanKind.CONSUMER)
    assert (producer.attributes or {})["messaging.system"] == "in_process"
    assert (consumer.attributes or {})["chat.recipients"] == 2
    assert consumer.parent is not None and consumer.parent.span_id == producer.context.span_id
    assert [link.context.span_id for link in consumer.links] == [producer.context.span_id]
