"""Across processes: a message sent to one server and delivered by another is one trace, the consumer span
the receiving server exports linked to the producer span the sending one exported; a payload without a
context, as the release before wrote it, is still delivered."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span

from devtools.otlp import OtlpReceiver
from devtools.server import ServerProcess
from server.chat.postgres import CHANNEL
from server.chat.tracing import PROCESS_SPAN, SEND_SPAN
from tests.utils.chat import join, receive

pytestmark = pytest.mark.slow

SENDING, RECEIVING = "chat-sending", "chat-receiving"


def _server(url: str, receiver: OtlpReceiver, service: str, log: Path) -> ServerProcess:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_SERVICE_NAME": service,
        # The batch leaves within 50 ms rather than the default 5 s.
        "OTEL_BSP_SCHEDULE_DELAY": "50",
    }
    return ServerProcess(url, env=env, log_path=log)


@pytest.fixture(scope="module")
def two_servers(
    traced_url: str, otlp_receiver: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two traced `python -m server` on one PostgreSQL database, told apart by their service names."""
    logs = tmp_path_factory.mktemp("chat-export")
    with (
        _server(traced_url, otlp_receiver, SENDING, logs / "sending.log") as sending,
        _server(traced_url, otlp_receiver, RECEIVING, logs / "receiving.log") as receiving,
    ):
        yield sending, receiving


def _service(resource: ResourceSpans) -> str:
    return str(next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name"))


def _spans_of(receiver: OtlpReceiver, service: str, name: str, room: str) -> list[Span]:
    return [
        span
        for resource in receiver.resource_spans()
        if _service(resource) == service
        for scope in resource.scope_spans
        for span in scope.spans
        if span.name == name
        and any(
            a.key == "messaging.destination.name" and a.value.string_value == room for a in span.attributes
        )
    ]


def _room() -> str:
    return f"exported-{uuid.uuid4().hex[:12]}"


async def test_the_receiving_process_exports_a_consumer_span_linked_to_the_senders_producer_span(
    two_servers: tuple[ServerProcess, ServerProcess], otlp_receiver: OtlpReceiver
) -> None:
    sending, receiving = two_servers
    room = _room()
    async with join(sending.base_url, room) as sender, join(receiving.base_url, room) as recipient:
        await sender.send("across")
        [frame] = await receive(recipient, 1)
        assert frame.endswith(" :: across")
    otlp_receiver.wait_for(lambda _: bool(_spans_of(otlp_receiver, RECEIVING, PROCESS_SPAN, room)))
    otlp_receiver.wait_for(lambda _: bool(_spans_of(otlp_receiver, SENDING, SEND_SPAN, room)))
    [producer] = _spans_of(otlp_receiver, SENDING, SEND_SPAN, room)
    [consumer] = _spans_of(otlp_receiver, RECEIVING, PROCESS_SPAN, room)
    assert producer.kind == Span.SpanKind.SPAN_KIND_PRODUCER
    assert consumer.kind == Span.SpanKind.SPAN_KIND_CONSUMER
    assert [(link.trace_id, link.span_id) for link in consumer.links] == [
        (producer.trace_id, producer.span_id)
    ]
    assert (consumer.trace_id, consumer.parent_span_id) == (producer.trace_id, producer.span_id)
    # The sending process had no other member in the room: nothing to deliver there, no consumer span.
    assert _spans_of(otlp_receiver, SENDING, PROCESS_SPAN, room) == []


async def test_a_payload_without_a_context_is_delivered_under_a_consumer_span_of_its_own(
    two_servers: tuple[ServerProcess, ServerProcess], traced_url: str, otlp_receiver: OtlpReceiver
) -> None:
    _, receiving = two_servers
    room = _room()
    # As a server of the release before the trace context publishes: `origin sequence room sender text`.
    payload = f"0a1b2c3d4e5f 1 {room} brave-otter-42 {base64.b64encode(b'from the old release').decode()}"
    async with join(receiving.base_url, room) as recipient:
        async with await psycopg.AsyncConnection.connect(traced_url, autocommit=True) as old_release:
            await old_release.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        assert await receive(recipient, 1) == ["brave-otter-42 :: from the old release"]
    otlp_receiver.wait_for(lambda _: bool(_spans_of(otlp_receiver, RECEIVING, PROCESS_SPAN, room)))
    [consumer] = _spans_of(otlp_receiver, RECEIVING, PROCESS_SPAN, room)
    assert list(consumer.links) == []
    assert consumer.parent_span_id == b""
