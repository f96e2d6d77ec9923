"""Several servers measured on one operation in alternating turns, so that a noisy neighbour lands on all."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import NamedTuple

from bench.machine import ForeignLoad
from bench.servers import Target, cpu_seconds
from bench.wrk import LoadResult, combined, run_wrk

CONCURRENCY = 32
# Turns each side of a side-by-side line gets, alternating: the machine's load moves within seconds.
ALTERNATIONS = 3

# What wrk's records.lua is asked to do on a turn of a side: its arguments, by turn number.
Arguments = Callable[[int], tuple[str, ...]]


class Side(NamedTuple):
    # Every turn's run, and all of them as one (latencies: the worst turn's).
    turns: list[LoadResult]
    load: LoadResult
    # The server's own CPU per request: what a neighbour on the shared cores barely moves.
    cpu_us_per_request: float

    @property
    def per_second(self) -> float:
        """The median turn's requests per second."""
        return statistics.median(turn.per_second for turn in self.turns)


def ratio(side: Side, other: Side) -> float:
    """The median over turns of side's requests/s over other's in the same round (adjacent turns)."""
    return statistics.median(
        mine.per_second / theirs.per_second for mine, theirs in zip(side.turns, other.turns, strict=True)
    )


class Line(NamedTuple):
    """One operation measured on every side, and the foreign load on the machine meanwhile."""

    name: str
    sides: list[Side]
    per_request: int
    foreign_load: float


def same(arguments: tuple[str, ...], sides: int) -> list[Arguments]:
    """The same arguments on every turn of every side."""
    return [lambda _turn: arguments] * sides


def deletes(sides: int, share: int, alternations: int = ALTERNATIONS) -> list[Arguments]:
    """DELETE /{uuid} from a range of seeded uuids of its own on every turn of every side."""

    def side_deletes(side: int) -> Arguments:
        return lambda turn: ("delete", str((side * alternations + turn) * share))

    return [side_deletes(side) for side in range(sides)]


def turn_seconds(seconds: int, alternations: int = ALTERNATIONS) -> int:
    """How long each alternating turn lasts: a line's seconds split over its turns a side."""
    return max(1, seconds // alternations)


def alternating(
    targets: Sequence[Target],
    arguments: Sequence[Arguments],
    seconds: int,
    alternations: int = ALTERNATIONS,
    foreign: ForeignLoad | None = None,
) -> tuple[list[Side], float]:
    """Every target in `alternations` turns each, in turn; the sides and the foreign load seen."""
    turn_s = turn_seconds(seconds, alternations)
    runs: list[list[LoadResult]] = [[] for _ in targets]
    cpu = [0.0 for _ in targets]
    with foreign or ForeignLoad() as load:
        for turn in range(alternations):
            for side, (target, args) in enumerate(zip(targets, arguments, strict=True)):
                before = cpu_seconds(target.pid)
                runs[side].append(
                    run_wrk(
                        target.base_url, "records.lua", *args(turn), concurrency=CONCURRENCY, seconds=turn_s
                    )
                )
                cpu[side] += cpu_seconds(target.pid) - before
    sides = []
    for results, seconds_used in zip(runs, cpu, strict=True):
        merged = combined(results)
        sides.append(Side(results, merged, 1e6 * seconds_used / max(1, merged.requests)))
    return sides, load.share


# A column of a printed table: its heading and its width.
Column = tuple[str, int]


def print_rows(columns: Sequence[Column], rows: Sequence[tuple[str, Sequence[str]]]) -> None:
    """A Markdown table: the first column left-aligned (the operation), the figures right-aligned."""
    print(
        "| " + " | ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(columns)) + " |"
    )
    print("|" + "|".join("-" * (width + 2) for _, width in columns) + "|")
    for name, figures in rows:
        cells = [f"{name:<{columns[0][1]}}"]
        cells += [f"{figure:>{width}}" for figure, (_, width) in zip(figures, columns[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
