"""Notices to a client that asks for them: its sending is being slowed, then no longer is.

A notice is a JSON object in a text frame. A relayed frame and the announced username start with a username
(a lowercase letter), a notice with `{`: a client tells them apart by the first character. Only a client that
connects with `?notices=slowed` receives them, so that clients written before notices existed, which read
every frame as `{username} :: {message}`, see none.
"""

from __future__ import annotations

import json
from typing import Final

from server.chat.rooms import Member

NOTICES_PARAMETER: Final = "notices"
NOTICES_SLOWED: Final = "slowed"
RESUMED: Final = json.dumps({"type": "resumed"})


def slowed_notice(messages_per_second: float, close_after_s: float) -> str:
    """`slowed`: the rate the client's messages are read at now, and how long that may last before 4002."""
    return json.dumps(
        {"type": "slowed", "messages_per_second": messages_per_second, "close_after_s": close_after_s}
    )


class Slowdown:
    """Tells a client that asked when its messages start being held back by the rate, and when they no longer
    are: one notice on the way in and one on the way out, never one per message (a slowed client may be held
    back for thousands).
    """

    def __init__(self, member: Member, notice: str | None) -> None:
        """`notice`: the `slowed` notice to send, or None for a client that did not ask for notices."""
        self._member = member
        self._notice = notice
        self.active = False

    def start(self) -> None:
        if not self.active:
            self.active = True
            if self._notice is not None:
                self._member.deliver(self._notice)

    def end(self) -> None:
        if self.active:
            self.active = False
            if self._notice is not None:
                self._member.deliver(RESUMED)
