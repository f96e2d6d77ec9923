"""Programs from the system's packages that some tests need: a skip outside CI, a failure in CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require_program(name: str, package: str) -> str:
    """The path of `name`; outside CI a test without it is skipped with the reason, in CI it fails."""
    found = shutil.which(name)
    if found is None:
        reason = f"{name} not found: install the Debian package `{package}` (make test does, as root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found
