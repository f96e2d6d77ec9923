"""The bearer tokens the API requires, read once from API_TOKENS or API_TOKENS_FILE at start-up."""

from __future__ import annotations

import re
from typing import Final

from server.config.settings import Settings, SettingsError

# RFC 6750's b64token, the characters a bearer token may have in an Authorization header.
_B64TOKEN: Final = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# A token is a password that is never typed: shorter ones are guessable by anyone who can reach the API.
MIN_TOKEN_LENGTH: Final = 16


def _parse(text: str, source: str, separator: str) -> frozenset[str]:
    tokens = [token.strip() for token in text.split(separator)]
    tokens = [token for token in tokens if token]
    if not tokens:
        raise SettingsError(f"{source} holds no token: unset it to leave the API open")
    for number, token in enumerate(tokens, start=1):
        if not _B64TOKEN.fullmatch(token):
            raise SettingsError(
                f"{source}: token {number} has characters a bearer token cannot carry "
                "(letters, digits and -._~+/ then any =); make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if len(token) < MIN_TOKEN_LENGTH:
            raise SettingsError(
                f"{source}: token {number} has {len(token)} characters, fewer than {MIN_TOKEN_LENGTH}"
            )
    return frozenset(tokens)


def api_tokens(settings: Settings) -> frozenset[str]:
    """The tokens the settings name; empty when the API is open. SettingsError says what is wrong."""
    if settings.api_tokens is not None and settings.api_tokens_file is not None:
        raise SettingsError("API_TOKENS and API_TOKENS_FILE are both set: set one")
    if settings.api_tokens is not None:
        return _parse(settings.api_tokens, "API_TOKENS", ",")
    if settings.api_tokens_file is not None:
        try:
            text = settings.api_tokens_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            path = str(settings.api_tokens_file)
            raise SettingsError(f"API_TOKENS_FILE={path!r} cannot be read: {error}") from None
        return _parse(text, "API_TOKENS_FILE", "\n")
    return frozenset()
