"""Traces: the SDK set up from OpenTelemetry's standard variables, and the server span of every request.

The data layer's spans (the pool wait, each SQL statement) are server.db.tracing's; the log lines' trace ids
server.config.trace_ids'.
"""
