"""The contract (openapi/openapi.yaml) as data: read once at start-up, and served as the settings make it."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# The response every protected operation documents, answered only when the server has tokens.
UNAUTHORIZED_RESPONSE: Final = "#/components/responses/Unauthorized"

Contract = Mapping[str, Any]


def load_contract(spec_path: Path) -> Contract:
    contract: Contract = yaml.safe_load(spec_path.read_text())
    return contract


def open_contract(contract: Contract) -> dict[str, Any]:
    """The contract of a server given no tokens: no security requirement and no 401, as it behaves.

    The written contract declares the bearer requirement, which a server with tokens serves and enforces
    as it is; one without serves this, so that its /openapi.json, its generated clients and Schemathesis
    all see an open API. The scheme itself stays under components, unused.
    """
    served = copy.deepcopy(dict(contract))
    served["security"] = []
    for item in served["paths"].values():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            operation.pop("security", None)
            responses = operation.get("responses", {})
            if responses.get("401", {}).get("$ref") == UNAUTHORIZED_RESPONSE:
                del responses["401"]
    return served
