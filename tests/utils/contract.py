"""The contract's operations, walked one way by the tests that compare them with what the server serves."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from server.contract.spec import HTTP_METHODS, Contract


class Operation(NamedTuple):
    path: str
    method: str
    definition: Mapping[str, Any]


def operations(contract: Contract) -> Iterator[Operation]:
    for path, item in contract["paths"].items():
        for method, definition in item.items():
            if method in HTTP_METHODS:
                yield Operation(path, method, definition)
