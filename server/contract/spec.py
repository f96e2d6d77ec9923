"""The contract (openapi/openapi.yaml) as data, for the router: read once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

Contract = Mapping[str, Any]


def load_contract(spec_path: Path) -> Contract:
    contract: Contract = yaml.safe_load(spec_path.read_text())
    return contract
