"""Handler of GET /metrics: the Prometheus exposition of every worker's figures."""

from __future__ import annotations

from starlette.responses import Response

from server import metrics


async def get_metrics() -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
