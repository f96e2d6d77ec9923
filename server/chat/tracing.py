"""The chat's spans: a producer span per message sent, a consumer span per message and delivering process.

Through the OpenTelemetry API and the tracer provider the app hands in, as the data layer does. A message
carries its producer span's context as a short string (`encode_context`) through the fan-out, in this process
and, on PostgreSQL, inside the NOTIFY payload; the fan-out carries it without reading it. The consumer span of
each process that has members in the room is a child of the producer span and links to it (the messaging
semantic conventions require the link; the parent keeps a message's spans in one trace and one sampling
decision). One consumer span per message and process, not one per recipient: delivering to a recipient is an
append to its send queue, a fraction of a span's own cost, and a room of 100 would make 100 spans a message.

Neither the text nor the sender's username reaches a span: the room and the count of recipients are enough to
follow a message, and a username ties a room's messages to one person for as long as traces are kept.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from opentelemetry.context import Context
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    TraceFlags,
    TracerProvider,
    set_span_in_context,
)

from server.chat.fanout import TRACE_CONTEXT_LENGTH

# The destination in the span names: a room name is the user's choice, too many names for a span name; the
# channel's address in openapi/asyncapi.yaml is the template the messaging conventions ask for instead.
CHANNEL_TEMPLATE: Final = "/chat/{chat_name}"
SEND_SPAN: Final = f"send {CHANNEL_TEMPLATE}"
PROCESS_SPAN: Final = f"process {CHANNEL_TEMPLATE}"
# How many connections of this process the message was queued for, on the consumer span.
RECIPIENTS: Final = "chat.recipients"
# Trace id (16 bytes), span id (8) and trace flags (1), in base64url without padding: 34 characters where a
# W3C traceparent takes 55, each of them out of the message's share of the NOTIFY payload.
_CONTEXT_BYTES = 16 + 8 + 1
_CONTEXT = re.compile(rf"[A-Za-z0-9_-]{{{TRACE_CONTEXT_LENGTH}}}")


def encode_context(context: SpanContext) -> str:
    raw = (
        context.trace_id.to_bytes(16, "big")
        + context.span_id.to_bytes(8, "big")
        + bytes([context.trace_flags])
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_context(text: str) -> SpanContext | None:
    """The remote span context `encode_context` wrote; None for anything else (a newer format included)."""
    if _CONTEXT.fullmatch(text) is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        return None
    if len(raw) != _CONTEXT_BYTES:
        return None
    context = SpanContext(
        trace_id=int.from_bytes(raw[:16], "big"),
        span_id=int.from_bytes(raw[16:24], "big"),
        is_remote=True,
        trace_flags=TraceFlags(raw[24]),
    )
    return context if context.is_valid else None


class ChatTracing:
    """`sending` around a message's hand-off to the fan-out, `processing` around its delivery in a process."""

    def __init__(self, tracer_provider: TracerProvider, messaging_system: str) -> None:
        self._tracer = tracer_provider.get_tracer(__name__)
        self._system = messaging_system

    def _attributes(self, operation: str, room: str) -> dict[str, str]:
        return {
            "messaging.system": self._system,
            "messaging.operation.name": operation,
            "messaging.operation.type": operation,
            "messaging.destination.name": room,
            "messaging.destination.template": CHANNEL_TEMPLATE,
        }

    @contextmanager
    def sending(self, room: str) -> Iterator[str]:
        """A producer span; yields the context the message carries ("" when the span has none to give)."""
        with self._tracer.start_as_current_span(
            SEND_SPAN, kind=SpanKind.PRODUCER, attributes=self._attributes("send", room)
        ) as span:
            context = span.get_span_context()
            yield encode_context(context) if context.is_valid else ""

    @contextmanager
    def processing(self, room: str, trace_context: str, recipients: int) -> Iterator[None]:
        """A consumer span under the producer's and linked to it; a root when the message carried no context
        (sent untraced, or by a server of a release before this one)."""
        creation = decode_context(trace_context)
        parent = set_span_in_context(NonRecordingSpan(creation)) if creation is not None else Context()
        attributes: dict[str, str | int] = {**self._attributes("process", room), RECIPIENTS: recipients}
        with self._tracer.start_as_current_span(
            PROCESS_SPAN,
            context=parent,
            kind=SpanKind.CONSUMER,
            links=[Link(creation)] if creation is not None else (),
            attributes=attributes,
        ):
            yield
