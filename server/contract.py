"""The contract as data for the router and the tests: read once, walked one way."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

Contract = Mapping[str, Any]


def load_contract(spec_path: Path) -> Contract:
    contract: Contract = yaml.safe_load(spec_path.read_text())
    return contract


class Operation(NamedTuple):
    path: str
    method: str
    definition: Mapping[str, Any]


def operations(contract: Contract) -> Iterator[Operation]:
    for path, item in contract["paths"].items():
        for method, definition in item.items():
            if method in HTTP_METHODS:
                yield Operation(path, method, definition)
