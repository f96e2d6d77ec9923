"""Room names users may pick, and the random readable usernames the server gives them."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable

MAX_ROOM_NAME_LENGTH = 64
# Letters, digits, '-', '_' and '.', starting with a letter or digit: '.' and '..' never name a room.
ROOM_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ROOM_NAME_LENGTH - 1}}}")
ROOM_NAME_RULE = (
    f"a room name is 1 to {MAX_ROOM_NAME_LENGTH} letters, digits, '-', '_' or '.', "
    "starting with a letter or digit"
)

ADJECTIVES = (
    "amber", "bold", "brave", "bright", "calm", "clever", "cosy", "curious", "daring", "eager",
    "fancy", "fearless", "gentle", "glad", "golden", "happy", "honest", "jolly", "keen", "kind",
    "lively", "lucky", "merry", "mighty", "nimble", "noble", "plucky", "polite", "proud", "quick",
    "quiet", "rapid", "royal", "shiny", "silent", "silver", "sleepy", "smart", "snappy", "sunny",
    "swift", "tidy", "tiny", "vivid", "warm", "wise", "witty", "zesty",
)  # fmt: skip
ANIMALS = (
    "badger", "bat", "bear", "beaver", "bison", "camel", "cat", "cobra", "crane", "crow",
    "deer", "dingo", "dolphin", "eagle", "falcon", "ferret", "finch", "fox", "gecko", "heron",
    "hippo", "ibis", "jackal", "koala", "lemur", "lion", "llama", "lynx", "marmot", "mole",
    "moose", "newt", "otter", "owl", "panda", "puffin", "quail", "rabbit", "raven", "seal",
    "shrew", "sloth", "stork", "tiger", "toad", "walrus", "wombat", "yak",
)  # fmt: skip
MAX_NUMBER = 99
# A room so crowded that random picks keep colliding gets names with a longer number.
CROWDED_SUFFIX_DIGITS = 6
CROWDED_AFTER_ATTEMPTS = 50
# The longest name: what the PostgreSQL fan-out budgets for in its payload.
MAX_USERNAME_LENGTH = (
    max(map(len, ADJECTIVES)) + max(map(len, ANIMALS)) + len(f"--{MAX_NUMBER}") + CROWDED_SUFFIX_DIGITS
)


def is_room_name(name: str) -> bool:
    return ROOM_NAME.fullmatch(name) is not None


def random_username(crowded: bool = False) -> str:
    """`brave-otter-42`: 48 x 48 x 99, about 228,000 names; a crowded room adds digits to the number."""
    number = secrets.randbelow(MAX_NUMBER) + 1
    suffix = f"{secrets.randbelow(10**CROWDED_SUFFIX_DIGITS):0{CROWDED_SUFFIX_DIGITS}d}" if crowded else ""
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(ANIMALS)}-{number}{suffix}"


async def unique_username(available: Callable[[str], Awaitable[bool]]) -> str:
    """A random name that `available` accepts (and may claim)."""
    attempt = 0
    while True:
        name = random_username(crowded=attempt >= CROWDED_AFTER_ATTEMPTS)
        if await available(name):
            return name
        attempt += 1
