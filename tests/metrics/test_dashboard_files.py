"""The files deploy/ gives Prometheus and Grafana parse, and everything they name resolves.

The dashboard refers to the provisioned datasource by uid on every panel and query, and the provider
serves the directory the dashboard is mounted into; promtool accepts the Prometheus configuration.
"""

from __future__ import annotations

import subprocess
from typing import Any

import orjson
import pytest
import yaml

from tests.utils.prometheus import DASHBOARD, DASHBOARD_PROVIDER, DATASOURCES, PROMETHEUS_CONFIG
from tests.utils.system_packages import require_program

DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards"


def _dashboard() -> dict[str, Any]:
    dashboard: dict[str, Any] = orjson.loads(DASHBOARD.read_bytes())
    return dashboard


def _datasource() -> dict[str, Any]:
    (datasource,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    return dict(datasource)


def test_the_datasource_is_the_compose_prometheus_with_a_fixed_uid() -> None:
    datasource = _datasource()
    assert datasource["uid"] == "prometheus"
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"


def test_the_provider_serves_the_directory_the_dashboards_are_mounted_in() -> None:
    (provider,) = yaml.safe_load(DASHBOARD_PROVIDER.read_text())["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == DASHBOARDS_MOUNT


def test_every_panel_and_query_uses_the_provisioned_datasource() -> None:
    uid = _datasource()["uid"]
    panels = _dashboard()["panels"]
    assert panels
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid, (panel["title"], target["refId"])


def test_the_dashboard_shows_the_last_15_minutes_refreshed_every_5_seconds() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "service"
    assert dashboard["time"] == {"from": "now-15m", "to": "now"}
    assert dashboard["refresh"] == "5s"


def test_panel_ids_and_query_ids_are_unique() -> None:
    panels = _dashboard()["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert len({target["refId"] for target in panel["targets"]}) == len(panel["targets"])


def test_status_classes_are_coloured_green_yellow_red() -> None:
    (panel,) = [panel for panel in _dashboard()["panels"] if panel["title"] == "Responses by status class"]
    colours = {
        override["matcher"]["options"]: override["properties"][0]["value"]["fixedColor"]
        for override in panel["fieldConfig"]["overrides"]
    }
    assert (colours["2xx"], colours["4xx"], colours["5xx"]) == ("green", "yellow", "red")
    assert panel["fieldConfig"]["defaults"]["custom"]["drawStyle"] == "bars"


@pytest.mark.slow
def test_promtool_accepts_the_prometheus_configuration() -> None:
    promtool = require_program("promtool", "prometheus")
    checked = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS_CONFIG)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
