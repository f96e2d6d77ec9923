"""What the data layer raises, whichever database runs: the layers above never see a driver's errors."""

from __future__ import annotations


class DuplicateKey(Exception):
    """A statement would have stored a key that a unique constraint already holds: it stored nothing."""


class DatabaseUnavailable(Exception):
    """The database is out of reach, restarting, or did not answer in time: retry later.

    `kind` names the driver's error (`OperationalError`, `PoolTimeout`, ...): enough to tell outages
    apart in a probe's answer without showing a client the connection details that the message holds.
    """

    def __init__(self, error: BaseException) -> None:
        self.kind = type(error).__name__
        super().__init__(f"{self.kind}: {' '.join(str(error).split())}")


class Deadlock(DatabaseUnavailable):
    """PostgreSQL aborted the statement to break a deadlock: it changed nothing and may be run again."""
