"""The ids of the span a log record was written in, as `trace_id` and `span_id`, for the JSON log lines."""

from __future__ import annotations

import logging

from opentelemetry import trace


class TraceIds(logging.Filter):
    """Adds the current span's trace and span ids (lower-case hex, as `traceparent` writes them) to a record.

    A filter on the handler rather than the logger: a logger's filters see only the records logged on that
    logger, not its children's. Outside any span, or with tracing off, it adds nothing: a context lookup.
    OpenTelemetry's logging instrumentation would do the same by replacing the process's record factory and
    the root format; this is the one thing we need from it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = trace.format_trace_id(context.trace_id)
            record.span_id = trace.format_span_id(context.span_id)
        return True
