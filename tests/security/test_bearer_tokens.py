"""BearerTokens: a request's Authorization header holds one of the server's tokens, or it does not."""

from __future__ import annotations

import pytest

from server.http.bearer import BearerTokens, Credentials, unauthorized
from tests.utils.tokens import API_TOKEN, OTHER_TOKEN

TOKENS = BearerTokens([API_TOKEN, OTHER_TOKEN])


@pytest.mark.parametrize("token", [API_TOKEN, OTHER_TOKEN])
def test_each_of_the_servers_tokens_is_accepted(token: str) -> None:
    assert TOKENS.check(f"Bearer {token}".encode()) is Credentials.VALID


def test_the_scheme_is_case_insensitive() -> None:
    assert TOKENS.check(f"bEARER {API_TOKEN}".encode()) is Credentials.VALID


@pytest.mark.parametrize(
    "token",
    [API_TOKEN[:-1], API_TOKEN + "x", API_TOKEN.upper(), f"{API_TOKEN},{OTHER_TOKEN}", "x" * 100_000],
    ids=["prefix", "longer", "other-case", "both-at-once", "huge"],
)
def test_a_token_that_is_not_exactly_one_of_them_is_invalid(token: str) -> None:
    assert TOKENS.check(f"Bearer {token}".encode()) is Credentials.INVALID


@pytest.mark.parametrize(
    "header",
    [
        None,
        b"",
        b"Bearer",
        b"Bearer   ",
        b"Basic dXNlcjpwYXNz",
        API_TOKEN.encode(),
        b"Token " + API_TOKEN.encode(),
    ],
    ids=["absent", "empty", "scheme-only", "blank-token", "basic", "token-alone", "other-scheme"],
)
def test_a_header_without_a_bearer_token_is_missing_credentials(header: bytes | None) -> None:
    assert TOKENS.check(header) is Credentials.MISSING


def test_a_token_that_is_not_utf8_is_invalid_not_an_error() -> None:
    assert TOKENS.check(b"Bearer \xff\xfe\x00") is Credentials.INVALID


def test_without_tokens_there_is_nothing_to_check_against() -> None:
    with pytest.raises(ValueError, match="open"):
        BearerTokens([])


def test_missing_credentials_are_challenged_without_an_error_code() -> None:
    response = unauthorized(Credentials.MISSING)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="records-shop"'


def test_a_refused_token_is_challenged_with_invalid_token() -> None:
    response = unauthorized(Credentials.INVALID)
    assert response.headers["www-authenticate"] == 'Bearer realm="records-shop", error="invalid_token"'
