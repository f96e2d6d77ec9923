"""`python -m scripts.plot_dashboard RESULTS PNG`: draw the dashboard's panels from real query results.

RESULTS is what tests/metrics/test_end_to_end.py writes when DASHBOARD_RESULTS names a file: every
query of deploy/grafana/dashboards/service.json as Prometheus answered it (`make dashboard-picture`
runs both). The panels are laid out, titled, coloured and drawn (lines or stacked bars) as the
dashboard says, so the picture shows what a user opening the dashboard sees, without Grafana.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib.style
import orjson
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from server.config.paths import PROJECT_ROOT

DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "dashboards" / "service.json"
GRID_COLUMNS = 24
# Grafana's classic palette, so the picture reads like the real thing; long enough for one colour per route.
PALETTE = [
    "#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A9", "#705DA0", "#508642",
    "#CCA300", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477", "#B7DBAB", "#F4D598",
]  # fmt: skip
NAMED_COLOURS = {"green": "#73BF69", "yellow": "#FADE2A", "red": "#F2495C", "blue": "#5794F2"}
LINE_STYLES = ["-", "--", ":", "-."]
UNITS = {"reqps": ("req/s", 1.0), "s": ("ms", 1000.0), "short": ("", 1.0)}
_LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _legend(template: str, labels: dict[str, str]) -> str:
    return _LEGEND_LABEL.sub(lambda match: labels.get(match[1], ""), template) or str(labels)


def _fixed_colours(panel: dict[str, Any]) -> dict[str, str]:
    colours = {}
    for override in panel.get("fieldConfig", {}).get("overrides", []):
        for prop in override["properties"]:
            if prop["id"] == "color" and prop["value"].get("mode") == "fixed":
                colours[override["matcher"]["options"]] = NAMED_COLOURS.get(
                    prop["value"]["fixedColor"], prop["value"]["fixedColor"]
                )
    return colours


def _series(
    panel: dict[str, Any], queries: list[dict[str, Any]]
) -> Iterator[tuple[str, int, list[datetime], list[float]]]:
    """(legend, target index, times, values) of every series of the panel's queries, in target order."""
    for index, target in enumerate(panel["targets"]):
        for query in queries:
            if query["panel"] == panel["title"] and query["legend"] == target.get("legendFormat", ""):
                for one in query["series"]:
                    times = [datetime.fromtimestamp(float(point[0])) for point in one["values"]]
                    values = [float(point[1]) for point in one["values"]]
                    yield _legend(query["legend"], one["metric"]), index, times, values


def _draw_panel(axes: Any, panel: dict[str, Any], queries: list[dict[str, Any]]) -> None:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit, scale = UNITS.get(defaults.get("unit", "short"), ("", 1.0))
    bars = defaults.get("custom", {}).get("drawStyle") == "bars"
    fixed = _fixed_colours(panel)
    series = sorted(_series(panel, queries), key=lambda one: (one[1], one[0]))
    colour_keys: dict[str, int] = {}
    stacked: dict[datetime, float] = {}
    for legend, target, times, values in series:
        scaled = [value * scale for value in values]
        # Several targets over the same label sets (p50/p95/p99 per route): one colour per label set,
        # one line style per target. Otherwise every series gets its own colour.
        key = legend.split(" ", 1)[1] if len(panel["targets"]) > 1 and " " in legend else legend
        colour = fixed.get(legend) or PALETTE[colour_keys.setdefault(key, len(colour_keys)) % len(PALETTE)]
        if bars:
            bottoms = [stacked.get(time, 0.0) for time in times]
            axes.bar(times, scaled, bottom=bottoms, width=0.8 / 86400, color=colour, label=legend)
            for time, bottom, value in zip(times, bottoms, scaled, strict=True):
                stacked[time] = bottom + (value if value == value else 0.0)
        else:
            style = LINE_STYLES[target % len(LINE_STYLES)] if len(panel["targets"]) > 1 else "-"
            axes.plot(times, scaled, style, color=colour, linewidth=1.2, label=legend)
    axes.set_title(panel["title"], loc="left", fontsize=10, fontweight="bold")
    axes.set_ylabel(unit, fontsize=8)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.2)
    axes.tick_params(labelsize=7)
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
    if series:
        columns = 1 if len(series) <= 10 else 2
        axes.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1), ncols=columns, frameon=False)


def plot(results_path: Path, picture: Path) -> None:
    dashboard = orjson.loads(DASHBOARD.read_bytes())
    queries = orjson.loads(results_path.read_bytes())["queries"]
    panels = dashboard["panels"]
    rows = max(panel["gridPos"]["y"] + panel["gridPos"]["h"] for panel in panels)
    matplotlib.style.use("dark_background")
    figure = Figure(figsize=(20, rows * 0.55))
    grid = figure.add_gridspec(rows, GRID_COLUMNS, hspace=2.5, wspace=12)
    for panel in panels:
        place = panel["gridPos"]
        axes = figure.add_subplot(
            grid[place["y"] : place["y"] + place["h"] - 1, place["x"] : place["x"] + place["w"] - 5]
        )
        _draw_panel(axes, panel, queries)
    figure.suptitle(f"{dashboard['title']} (Grafana dashboard `{dashboard['uid']}`)", fontsize=13, y=0.93)
    picture.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(picture, dpi=80, bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.plot_dashboard", description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("picture", type=Path)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    plot(args.results, args.picture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
