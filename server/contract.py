"""The contract as data for the layers that guard and count requests: read once, walked one way."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

CONTROLLER = "x-openapi-router-controller"

Contract = Mapping[str, Any]


def load_contract(spec_path: Path) -> Contract:
    contract: Contract = yaml.safe_load(spec_path.read_text())
    return contract


class Operation(NamedTuple):
    path: str
    method: str
    # The id Connexion's router puts in the scope: the operationId prefixed with its
    # `x-openapi-router-controller` (`server.handlers.records.create_batch`).
    routed_id: str
    definition: Mapping[str, Any]


def operations(contract: Contract) -> Iterator[Operation]:
    for path, item in contract["paths"].items():
        for method, definition in item.items():
            if method not in HTTP_METHODS:
                continue
            controller = definition.get("x-openapi-router-controller") or item.get(
                "x-openapi-router-controller"
            )
            operation_id = definition["operationId"]
            routed_id = f"{controller}.{operation_id}" if controller else operation_id
            yield Operation(path, method, routed_id, definition)
