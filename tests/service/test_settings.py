"""Settings: defaults that run anywhere, and a bad value refused at start-up in one line, with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from server.config.paths import PROJECT_ROOT
from server.config.settings import Settings, SettingsError


def test_defaults_serve_the_embedded_database_on_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings.from_env()
    assert (settings.database_url, settings.host, settings.port, settings.workers) == (
        None,
        "127.0.0.1",
        8000,
        1,
    )
    assert (settings.log_level, settings.log_format, settings.validate_responses) == ("info", "text", False)


def test_values_are_read_from_the_environment_case_insensitively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("LOG_FORMAT", "Json")
    monkeypatch.setenv("VALIDATE_RESPONSES", "yes")
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    settings = Settings.from_env()
    assert (settings.log_level, settings.log_format, settings.validate_responses) == ("warning", "json", True)
    assert settings.db_pool_size == 4


def test_an_empty_database_url_means_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    assert Settings.from_env().database_url is None


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("PORT", "abc", "valid integer"),
        ("PORT", "70000", "less than or equal to 65535"),
        ("WORKERS", "0", "greater than or equal to 1"),
        ("LOG_LEVEL", "verbose", "'critical', 'error', 'warning', 'info' or 'debug'"),
        ("LOG_FORMAT", "xml", "'text' or 'json'"),
        ("VALIDATE_RESPONSES", "ture", "valid boolean"),
        ("DB_POOL_SIZE", "-1", "greater than or equal to 1"),
    ],
)
def test_a_bad_value_is_named_with_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, accepted: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env()
    assert str(refused.value).startswith(f"{variable}={value!r} is not accepted: ")
    assert accepted in str(refused.value)


@pytest.mark.slow
@pytest.mark.parametrize("variable", ["PORT", "LOG_LEVEL", "VALIDATE_RESPONSES"])
def test_the_server_refuses_a_bad_value_in_one_line_with_exit_code_2(variable: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", variable: "nonsense"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {variable}='nonsense' is not accepted: ")
    assert result.stderr.count("\n") == 1
