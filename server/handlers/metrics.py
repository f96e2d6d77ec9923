"""Handler of GET /metrics: the Prometheus exposition of every worker's figures."""

from __future__ import annotations

from starlette.responses import Response

from server.observability import exposition


async def get_metrics(accept: str | None = None) -> Response:
    """The text format, or OpenMetrics with the latency's exemplars when Accept asks for it."""
    body, media_type = exposition.render(accept)
    return Response(body, media_type=media_type)
