"""Handler of GET /metrics: the Prometheus exposition of every worker's figures."""

from __future__ import annotations

from starlette.responses import Response

from server.observability import exposition


async def get_metrics() -> Response:
    return Response(exposition.render(), media_type=exposition.CONTENT_TYPE)
