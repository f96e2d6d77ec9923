"""Programs from Debian packages that tests run (nginx, promtool, prometheus, chromium).

In CI a missing one is installed first, as root (scripts/ensure_system_packages.sh), and still missing is a
failure; elsewhere a test that needs it is skipped with the command that would install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from server.config.paths import PROJECT_ROOT

ENSURE_SCRIPT = PROJECT_ROOT / "scripts" / "ensure_system_packages.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def find_binary(binary: str) -> str | None:
    # Debian installs daemons such as nginx in /usr/sbin, which is on root's PATH only.
    return shutil.which(binary, path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")


def ensure_binary(binary: str, *packages: str) -> str | None:
    """The binary's path; in CI a missing one is installed first."""
    found = find_binary(binary)
    if found is None and in_ci():
        subprocess.run([str(ENSURE_SCRIPT), *packages], check=False, timeout=600)
        found = find_binary(binary)
    return found


def require_program(binary: str, *packages: str) -> str:
    """The binary's path, or the test ends: failed in CI, skipped elsewhere, naming what to install."""
    found = ensure_binary(binary, *packages)
    if found is None:
        names = " ".join(packages)
        reason = f"{binary} not found: install Debian's {names} (scripts/ensure_system_packages.sh {names})"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return found
