"""How busy the machine was with work that is not the bench's own, while a line was measured.

The bench's own work is its process tree (the servers under test, wrk, itself) and the PostgreSQL
cluster it started; whatever else used the cores in the meantime is foreign load, which moves every
figure of a line by an amount no ratio fully cancels: the bench prints it beside each line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from types import TracebackType

TICKS = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU time the whole machine spent busy since boot, over all cores (/proc/stat's first line)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (utime is [11]), or None if it is gone."""
    with suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return None


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := stat_fields(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    return parents


def _tree(root: int, parents: dict[int, int]) -> set[int]:
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return tree


def _cpu_seconds(pids: Iterable[int]) -> float:
    """CPU the processes used, their reaped children's included (utime, stime, cutime, cstime)."""
    total = 0
    for pid in pids:
        if fields := stat_fields(pid):
            total += sum(int(value) for value in fields[11:15])
    return total / TICKS


class ForeignLoad:
    """`with ForeignLoad(others) as load: ...`, then `load.share`: the foreign CPU as a share of all cores.

    `others` names processes outside the bench's own tree that are its work too (the PostgreSQL
    cluster's). A process that exits during the interval is counted through its parent's reaped-children
    time when that parent is one of ours, as wrk's runs are.
    """

    def __init__(self, others: Callable[[], Iterable[int]] = tuple) -> None:
        self._others = others
        self.share = 0.0

    def _own_seconds(self) -> float:
        return _cpu_seconds(_tree(os.getpid(), _parents()) | set(self._others()))

    def __enter__(self) -> ForeignLoad:
        self._start = (os.times().elapsed, _busy_seconds(), self._own_seconds())
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        wall, busy, own = os.times().elapsed, _busy_seconds(), self._own_seconds()
        capacity = (wall - self._start[0]) * (os.cpu_count() or 1)
        foreign = (busy - self._start[1]) - (own - self._start[2])
        self.share = max(0.0, foreign) / capacity if capacity > 0 else 0.0
