"""`make up` and `make down` say in one line what the machine lacks, and `make up` gives Grafana a password.

This machine has no Docker: the checks run against small stand-ins for the `docker` command that answer
as Docker's client does without the Compose plugin or without an engine.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from scripts import compose_preflight
from scripts.compose_preflight import PASSWORD_VARIABLE, Missing, check_docker, ensure_grafana_password


def _docker(tmp_path: Path, *, compose: bool, engine: bool) -> str:
    """A `docker` command answering `compose version` and `info` as asked (exit 0 or Docker's errors)."""
    no_plugin = "echo 'unknown command: docker compose' >&2; exit 1"
    no_engine = "echo 'Cannot connect to the Docker daemon' >&2; exit 1"
    script = tmp_path / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = compose ]; then {"exit 0" if compose else no_plugin}; fi\n'
        f'if [ "$1" = info ]; then {"exit 0" if engine else no_engine}; fi\n'
        "exit 0\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_a_missing_docker_client_is_named() -> None:
    with pytest.raises(Missing, match="is not installed"):
        check_docker("/nonexistent/docker")


def test_a_missing_compose_plugin_is_named_with_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(Missing, match=r"Docker Compose v2 .* is missing: install it"):
        check_docker(_docker(tmp_path, compose=False, engine=True))


def test_a_stopped_engine_is_named(tmp_path: Path) -> None:
    with pytest.raises(Missing, match="engine is not running"):
        check_docker(_docker(tmp_path, compose=True, engine=False))


def test_a_ready_machine_passes(tmp_path: Path) -> None:
    check_docker(_docker(tmp_path, compose=True, engine=True))


def test_make_up_fails_with_one_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER", _docker(tmp_path, compose=False, engine=True))
    assert compose_preflight.main(["--grafana-password"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("make: Docker Compose v2")


def test_a_first_make_up_writes_a_random_password_into_env_and_shows_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=info")
    password = ensure_grafana_password(env_file)
    assert password is not None and len(password) >= 20
    assert env_file.read_text() == f"LOG_LEVEL=info\n{PASSWORD_VARIABLE}={password}\n"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert ensure_grafana_password(env_file) is None, "a second make up shows it again"
    assert ensure_grafana_password(tmp_path / "other.env") != password


def test_a_password_already_configured_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"{PASSWORD_VARIABLE}=chosen\n")
    assert ensure_grafana_password(env_file) is None
    monkeypatch.setenv(PASSWORD_VARIABLE, "from-the-environment")
    assert ensure_grafana_password(tmp_path / "absent.env") is None
    assert not (tmp_path / "absent.env").exists()
