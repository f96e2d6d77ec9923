"""GET /metrics renders this process's registry when it runs alone, and refuses a directory set too late.

prometheus_client chooses memory or files for its values when first imported: a multiprocess directory
that appears afterwards would be read while the values went to memory, and every scrape would be empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from server.observability import exposition


def test_a_single_process_app_answers_its_own_figures_as_prometheus_text(client: TestClient) -> None:
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"http_requests", "http_request_duration_seconds", "db_pool_connections"} <= families


def test_a_multiprocess_directory_set_after_prometheus_client_loaded_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR must be set before"):
        exposition.exposition_registry(tmp_path)
