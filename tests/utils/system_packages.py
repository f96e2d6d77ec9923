"""Binaries from Debian packages the deploy tests run (nginx, promtool), installed where CI lacks them."""

from __future__ import annotations

import os
import shutil
import subprocess

from server.paths import PROJECT_ROOT

ENSURE_SCRIPT = PROJECT_ROOT / "scripts" / "ensure_system_packages.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def find_binary(binary: str) -> str | None:
    # Debian installs daemons such as nginx in /usr/sbin, which is on root's PATH only.
    return shutil.which(binary, path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")


def ensure_binary(binary: str, *packages: str) -> str | None:
    """The binary's path; in CI a missing one is installed first (scripts/ensure_system_packages.sh)."""
    found = find_binary(binary)
    if found is None and in_ci():
        subprocess.run([str(ENSURE_SCRIPT), *packages], check=False, timeout=600)
        found = find_binary(binary)
    return found
