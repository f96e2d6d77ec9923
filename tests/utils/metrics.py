"""Read GET /metrics as a test sees it: samples keyed by name and labels."""

from __future__ import annotations

from collections import Counter

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = frozenset[tuple[str, str]]


def scrape(base_url: str) -> dict[tuple[str, Labels], float]:
    """Every sample of one scrape, by sample name and labels."""
    response = httpx.get(f"{base_url}/metrics", timeout=10)
    response.raise_for_status()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_counted(samples: dict[tuple[str, Labels], float]) -> Counter[tuple[str, str, str]]:
    """http_requests_total as (method, handler, status) -> count."""
    counted: Counter[tuple[str, str, str]] = Counter()
    for (name, labels), value in samples.items():
        if name == "http_requests_total":
            by_name = dict(labels)
            counted[by_name["method"], by_name["handler"], by_name["status"]] = int(value)
    return counted


def value(samples: dict[tuple[str, Labels], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def difference(
    after: Counter[tuple[str, str, str]], before: Counter[tuple[str, str, str]]
) -> dict[tuple[str, str, str], int]:
    """What was counted between two scrapes; only what changed."""
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}
