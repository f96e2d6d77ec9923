"""A cache of what is built once per long-lived object (a statement, a schema), keyed on its identity.

Statements are module constants and schemas live as long as their operation, but they are dicts and
clauses that cannot be hashed by value: the cache keys on id() and holds each key, so that its id cannot
be reused by another object while the cache lives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Built = TypeVar("Built")


class BuiltOnce(Generic[Key, Built]):
    def __init__(self, build: Callable[[Key], Built]) -> None:
        self._build = build
        self._built: dict[int, tuple[Key, Built]] = {}

    def __call__(self, key: Key) -> Built:
        entry = self._built.get(id(key))
        if entry is None:
            entry = (key, self._build(key))
            self._built[id(key)] = entry
        return entry[1]
