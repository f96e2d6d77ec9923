"""scripts/ensure_system_packages.sh installs only the Debian packages that are missing, and only as root.

Installed packages cost nothing (no apt-get at all); a missing one, asked for by anyone but root, fails
with the command root would run.
"""

from __future__ import annotations

import os
import pwd
import subprocess

from tests.utils.system_packages import ENSURE_SCRIPT

ABSENT_PACKAGE = "records-shop-absent-package"


def _run(*packages: str, as_user: str | None = None) -> subprocess.CompletedProcess[str]:
    user = pwd.getpwnam(as_user).pw_uid if as_user else None
    return subprocess.run(
        ["sh", str(ENSURE_SCRIPT), *packages], capture_output=True, text=True, timeout=60, user=user
    )


def test_installed_packages_need_nothing() -> None:
    result = _run("dpkg", "coreutils")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_missing_package_without_root_fails_naming_the_command_to_run() -> None:
    result = _run("dpkg", ABSENT_PACKAGE, as_user="nobody" if os.geteuid() == 0 else None)
    assert result.returncode == 1
    assert f"apt-get install {ABSENT_PACKAGE}" in result.stderr
