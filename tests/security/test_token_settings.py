"""API_TOKENS and API_TOKENS_FILE: read once at start-up, and a token that cannot work refused in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.config.paths import PROJECT_ROOT
from server.config.settings import Settings, SettingsError
from server.config.tokens import MIN_TOKEN_LENGTH, api_tokens
from tests.utils.tokens import API_TOKEN, OTHER_TOKEN


def test_without_either_variable_the_api_is_open() -> None:
    assert api_tokens(Settings()) == frozenset()


def test_an_empty_variable_leaves_the_api_open() -> None:
    assert api_tokens(Settings(api_tokens="", api_tokens_file="")) == frozenset()


def test_api_tokens_are_comma_separated_with_spaces_around_them_ignored() -> None:
    settings = Settings(api_tokens=f" {API_TOKEN} ,{OTHER_TOKEN},")
    assert api_tokens(settings) == {API_TOKEN, OTHER_TOKEN}


def test_a_tokens_file_has_one_token_a_line_blank_lines_ignored(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"{API_TOKEN}\n\n{OTHER_TOKEN}\r\n")
    assert api_tokens(Settings(api_tokens_file=path)) == {API_TOKEN, OTHER_TOKEN}


def test_both_variables_at_once_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(API_TOKEN)
    with pytest.raises(SettingsError, match="both set"):
        api_tokens(Settings(api_tokens=API_TOKEN, api_tokens_file=path))


def test_a_tokens_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    with pytest.raises(SettingsError, match=f"API_TOKENS_FILE='{missing}' cannot be read"):
        api_tokens(Settings(api_tokens_file=missing))


def test_a_variable_of_separators_only_is_refused_not_taken_as_open() -> None:
    with pytest.raises(SettingsError, match="holds no token"):
        api_tokens(Settings(api_tokens=" , ,"))


def test_a_token_shorter_than_the_minimum_is_refused() -> None:
    short = "a" * (MIN_TOKEN_LENGTH - 1)
    with pytest.raises(SettingsError, match=f"token 2 has {MIN_TOKEN_LENGTH - 1} characters"):
        api_tokens(Settings(api_tokens=f"{API_TOKEN},{short}"))


@pytest.mark.parametrize("token", ["has a space inside it!", 'quote"in-the-middle-x', "kéy-with-an-accent-é"])
def test_a_token_a_bearer_header_cannot_carry_is_refused(token: str) -> None:
    with pytest.raises(SettingsError, match="token 1 has characters a bearer token cannot carry"):
        api_tokens(Settings(api_tokens=token))


@pytest.mark.slow
def test_the_server_refuses_a_bad_token_in_one_line_with_exit_code_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "API_TOKENS": "short"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"error: API_TOKENS: token 1 has 5 characters, fewer than {MIN_TOKEN_LENGTH}\n"
