"""The contract tools package.json pins (`make install` runs npm ci), for the tests that run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config.paths import PROJECT_ROOT
from tests.utils.system_packages import in_ci

NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"


def require_node_tool(name: str) -> Path:
    """The tool's path, or the test ends: failed in CI (make install ran npm ci), skipped elsewhere."""
    tool = NODE_BIN / name
    if not tool.exists():
        reason = f"{tool.relative_to(PROJECT_ROOT)} is missing: `make install` runs npm ci"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return tool
