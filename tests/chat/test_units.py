"""The chat's pure parts: room names, usernames, the rate limit, notices and the PostgreSQL payload budget."""

from __future__ import annotations

import json

import pytest

from server.chat.limits import RateLimit
from server.chat.names import MAX_USERNAME_LENGTH, is_room_name, random_username, unique_username
from server.chat.notices import RESUMED, Slowdown, slowed_notice
from server.chat.postgres import MAX_TEXT_BYTES
from server.chat.rooms import Member
from server.config.settings import Settings


@pytest.mark.parametrize("name", ["a", "Room-1", "v1.2_beta", "x" * 64, "0"])
def test_room_names_of_letters_digits_dash_underscore_dot_are_accepted(name: str) -> None:
    assert is_room_name(name)


@pytest.mark.parametrize("name", ["", ".", "..", ".x", "-x", "_x", "a/b", "a b", "café", "x" * 65, "a\n"])
def test_other_room_names_are_refused(name: str) -> None:
    assert not is_room_name(name)


def test_a_username_is_adjective_animal_number() -> None:
    adjective, animal, number = random_username().split("-")
    assert adjective.isalpha() and animal.isalpha() and 1 <= int(number) <= 99


async def test_a_crowded_room_gets_longer_names_rather_than_none() -> None:
    async def only_long_names(name: str) -> bool:
        return len(name.rsplit("-", 1)[1]) > 2

    name = await unique_username(only_long_names)
    assert len(name) <= MAX_USERNAME_LENGTH


def test_the_rate_limit_passes_a_burst_of_one_second_then_spaces_messages_at_the_rate() -> None:
    limit = RateLimit(5)
    waits = [limit.take() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    # The sixth waits a fifth of a second, the seventh two: each token is owed in turn.
    assert waits[5] == pytest.approx(0.2, abs=0.01)
    assert waits[6] == pytest.approx(0.4, abs=0.01)


def test_a_rate_under_one_per_second_still_passes_a_first_message() -> None:
    assert RateLimit(0.5).take() == 0.0


def test_a_sender_that_has_not_spent_its_burst_has_nothing_to_catch_up() -> None:
    assert RateLimit(10).caught_up_in() == 0.0


def test_a_sender_that_spent_its_burst_catches_up_when_half_a_burst_is_back() -> None:
    limit = RateLimit(10)
    for _ in range(10):
        limit.take()
    # Half of ten tokens at ten a second.
    assert limit.caught_up_in() == pytest.approx(0.5, abs=0.05)


def queued(member: Member) -> list[str]:
    return list(member.outbox._frames)


def test_a_slowdown_sends_one_slowed_notice_however_many_messages_wait() -> None:
    member = Member("room", "brave-otter-42", queue_limit=10)
    slowdown = Slowdown(member, slowed_notice(20, 60))
    for _ in range(3):
        slowdown.start()
    assert [json.loads(frame) for frame in queued(member)] == [
        {"type": "slowed", "messages_per_second": 20, "close_after_s": 60}
    ]


def test_a_slowdown_that_ends_sends_one_resumed_notice() -> None:
    member = Member("room", "brave-otter-42", queue_limit=10)
    slowdown = Slowdown(member, slowed_notice(20, 60))
    slowdown.start()
    slowdown.end()
    slowdown.end()
    assert queued(member)[1:] == [RESUMED]


def test_a_slowdown_that_never_started_sends_no_resumed_notice() -> None:
    member = Member("room", "brave-otter-42", queue_limit=10)
    Slowdown(member, slowed_notice(20, 60)).end()
    assert queued(member) == []


def test_a_client_that_did_not_ask_for_notices_is_sent_none() -> None:
    member = Member("room", "brave-otter-42", queue_limit=10)
    slowdown = Slowdown(member, None)
    slowdown.start()
    slowdown.end()
    assert queued(member) == []


def test_the_largest_message_allowed_fits_a_notify_payload() -> None:
    ceiling = Settings.model_fields["chat_max_message_bytes"].metadata
    assert any(getattr(bound, "le", None) is not None and bound.le <= MAX_TEXT_BYTES for bound in ceiling)
