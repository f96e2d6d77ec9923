"""The NOTIFY payload: this release and the one before read each other's, traced or not; the largest fits."""

from __future__ import annotations

import base64

from opentelemetry.trace import SpanContext, TraceFlags

from server.chat.fanout import TRACE_CONTEXT_LENGTH
from server.chat.names import MAX_ROOM_NAME_LENGTH, MAX_USERNAME_LENGTH
from server.chat.postgres import (
    MAX_PAYLOAD_BYTES,
    MAX_SEQUENCE_DIGITS,
    ORIGIN_HEX_DIGITS,
    decode_payload,
    encode_payload,
)
from server.chat.tracing import decode_context, encode_context
from server.config.settings import Settings

CONTEXT = SpanContext(
    trace_id=0x0AF7651916CD43DD8448EB211C80319C,
    span_id=0xB7AD6B7169203331,
    is_remote=False,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
)


def previous_release_reads(payload: str) -> tuple[str, str, str]:
    """How the release before the trace context read a payload (server/chat/postgres.py, as it was)."""
    _origin, _sequence, room, sender, encoded = payload.split(" ", 4)
    return room, sender, base64.b64decode(encoded, validate=True).decode()


def test_an_untraced_payload_is_the_format_of_the_previous_release() -> None:
    payload = encode_payload("0a1b2c3d4e5f", 7, "lobby", "brave-otter-42", "hi", "")
    assert payload == f"0a1b2c3d4e5f 7 lobby brave-otter-42 {base64.b64encode(b'hi').decode()}"


def test_the_previous_release_reads_a_traced_payload() -> None:
    payload = encode_payload(
        "0a1b2c3d4e5f", 7, "lobby", "brave-otter-42", "hello there", encode_context(CONTEXT)
    )
    assert previous_release_reads(payload) == ("lobby", "brave-otter-42", "hello there")


def test_a_payload_of_the_previous_release_is_read_without_a_context() -> None:
    encoded = base64.b64encode(b"hello there").decode()
    message = decode_payload(f"0a1b2c3d4e5f 7 lobby brave-otter-42 {encoded}")
    assert (message.room, message.sender, message.text, message.trace_context) == (
        "lobby",
        "brave-otter-42",
        "hello there",
        "",
    )


def test_a_traced_payload_carries_the_context_it_was_given() -> None:
    context = encode_context(CONTEXT)
    message = decode_payload(encode_payload("0a1b2c3d4e5f", 7, "lobby", "brave-otter-42", "hi", context))
    assert message.trace_context == context


def test_a_context_is_34_url_safe_characters_and_decodes_to_the_same_ids_and_flags() -> None:
    encoded = encode_context(CONTEXT)
    assert len(encoded) == TRACE_CONTEXT_LENGTH == 34
    assert encoded.replace("-", "").replace("_", "").isalnum()
    decoded = decode_context(encoded)
    assert decoded is not None
    assert (decoded.trace_id, decoded.span_id, decoded.trace_flags) == (
        CONTEXT.trace_id,
        CONTEXT.span_id,
        CONTEXT.trace_flags,
    )
    assert decoded.is_remote


def test_what_is_not_a_context_decodes_to_none() -> None:
    zeros = base64.urlsafe_b64encode(bytes(25)).decode().rstrip("=")
    for text in ("", "x", "not a context at all, not at all!!", zeros, encode_context(CONTEXT) + "A"):
        assert decode_context(text) is None


def test_the_largest_traced_message_fits_a_notify_payload() -> None:
    ceiling = next(
        bound.le for bound in Settings.model_fields["chat_max_message_bytes"].metadata if hasattr(bound, "le")
    )
    payload = encode_payload(
        "f" * ORIGIN_HEX_DIGITS,
        10**MAX_SEQUENCE_DIGITS - 1,
        "r" * MAX_ROOM_NAME_LENGTH,
        "u" * MAX_USERNAME_LENGTH,
        "x" * ceiling,
        encode_context(CONTEXT),
    )
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
