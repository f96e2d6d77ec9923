"""The Content-Type policy of an operation that takes a body: what it accepts, case-insensitively (RFC 9110).

- A request body needs a Content-Type: without one the answer is 415, rather than guessing JSON as
  Connexion does.
- The media type is compared in lower case: Connexion looks validators up by the exact string and let
  `APPLICATION/JSON` through unvalidated (a 500 in the handler).
- An operation that takes no body never looks at the Content-Type: a `multipart/form-data` without a
  boundary made Connexion parse a form nobody asked for and answer 400 in its own shape.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import Scope


def accepted_media_types(consumes: Iterable[str]) -> frozenset[str]:
    return frozenset(media_type.lower() for media_type in consumes)


def check_media_type(scope: Scope, accepted: frozenset[str]) -> None:
    """Raise 415 unless the request declares one of the `accepted` media types."""
    declared = next((value for name, value in scope["headers"] if name == b"content-type"), None)
    if declared is None:
        raise HTTPException(415, f"a request body needs a Content-Type: {', '.join(sorted(accepted))}")
    media_type = declared.decode("latin-1").partition(";")[0].strip().lower()
    if media_type not in accepted:
        raise HTTPException(
            415, f"Content-Type {media_type!r} is not accepted here: {', '.join(sorted(accepted))}"
        )
