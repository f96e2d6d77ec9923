"""The Dockerfile builds the image the way `make install` builds the virtualenv, and by the book.

hadolint finds nothing to warn about; the base is a slim official Python 3.12 pinned to a patch release;
dependencies are a layer of their own, installed by the same script as `make install` from the same lock;
the image runs unprivileged, checks /healthz, stops on SIGTERM, and its build context leaves out
environments, data, caches, secrets and version control.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from server.config.paths import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
INSTALL_SCRIPT = "scripts/install.sh"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (keyword.upper(), arguments.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
        for keyword, _, arguments in [line.strip().partition(" ")]
    ]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_hadolint_finds_nothing_to_report() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_stage_starts_from_slim_python_312_pinned_to_a_patch_release() -> None:
    bases = [arguments.split()[0] for keyword, arguments in _instructions() if keyword == "FROM"]
    assert len(bases) >= 2, "multi-stage"
    for base in bases:
        assert re.fullmatch(r"python:3\.12\.\d+-slim-[a-z]+", base), base


def test_dependencies_are_a_layer_built_from_the_lock_before_the_code_is_copied() -> None:
    instructions = _instructions()
    deps = next(i for i, (k, a) in enumerate(instructions) if k == "RUN" and f"{INSTALL_SCRIPT} " in a)
    assert instructions[deps][1].split()[-1] == "deps"
    copied_before = {
        source
        for keyword, arguments in instructions[:deps]
        if keyword == "COPY"
        for source in arguments.split()[:-1]
    }
    lock = {"pyproject.toml", "constraints.txt", "generated_client/pyproject.toml"}
    assert copied_before == {*lock, INSTALL_SCRIPT}
    code = next(i for i, (k, a) in enumerate(instructions) if k == "COPY" and a == ". .")
    assert deps < code


def test_the_image_and_make_install_run_the_same_install_script() -> None:
    dockerfile = DOCKERFILE.read_text()
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for step in ("deps", "project"):
        assert re.search(rf"{INSTALL_SCRIPT} /opt/venv/bin/python {step}\b", dockerfile), step
        assert re.search(rf"{INSTALL_SCRIPT} \$\(PY\) {step}\b", makefile), step
    assert "pip install" not in dockerfile + makefile.split("\nlock:")[0], "no install beside the script"


def test_the_image_runs_as_an_unprivileged_numeric_user() -> None:
    users = [arguments for keyword, arguments in _final_stage() if keyword == "USER"]
    assert users, "the final stage sets a user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0


def test_the_image_checks_its_health_on_healthz_and_stops_on_sigterm() -> None:
    final = dict(_final_stage())
    assert "/healthz" in final["HEALTHCHECK"]
    assert final["STOPSIGNAL"] == "SIGTERM"
    assert final["CMD"] == '["python", "-m", "server"]'


def test_no_secret_is_set_in_the_image() -> None:
    for keyword, arguments in _instructions():
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", arguments, re.IGNORECASE), arguments


def test_build_context_leaves_out_environments_data_caches_secrets_and_git() -> None:
    ignored = {
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "data", ".env", "**/__pycache__", ".pytest_cache", ".mypy_cache"} <= ignored
