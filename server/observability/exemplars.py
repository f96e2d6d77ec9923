"""Exemplars of the latency histogram across workers: each worker's latest per series and bucket, in a file.

prometheus_client keeps no exemplars in multiprocess mode (its multiprocess `set_exemplar` does nothing in
0.26), and the server always runs in that mode. So each worker keeps its own: for every histogram series
(method, route template) and bucket, the trace id, value and time of the latest sampled request that fell
in it, written straight into a memory-mapped file of its own in the metrics directory, as prometheus_client
keeps its values. A scrape, whichever worker serves it, reads every worker's file and keeps the latest
exemplar of each series and bucket (server.observability.exposition renders them in OpenMetrics).

The file: a header with the bytes in use, then one entry per key, appended the first time the key is seen:
the key's length and UTF-8 JSON (`[method, handler, le]`), then its slot: trace id, value, timestamp and a
CRC-32 of key and slot. A slot is overwritten in place with one copy, and the reader copies the file while
workers write, so a slot can be read half old and half new: its CRC then fails and that exemplar is skipped
for this scrape (the next has it), never reported with a trace id that is not its request's.
A dead worker's file stays, as its counters' do: its exemplars are still true, and newer ones replace them.
"""

from __future__ import annotations

import bisect
import json
import mmap
import os
import struct
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from prometheus_client.utils import floatToGoString

from server.observability.metrics_directory import EXEMPLAR_FILE_PREFIX, EXEMPLAR_FILE_SUFFIX

FILE_PATTERN = f"{EXEMPLAR_FILE_PREFIX}*{EXEMPLAR_FILE_SUFFIX}"
# The label Grafana's Prometheus datasource maps to the trace store (deploy/grafana/provisioning).
TRACE_ID_LABEL = "trace_id"

_USED = struct.Struct("<Q")
_KEY_LENGTH = struct.Struct("<I")
_SLOT = struct.Struct("<16sdd")
_CRC = struct.Struct("<I4x")
_SLOT_BYTES = _SLOT.size + _CRC.size
# A few dozen routes by eight methods by fifteen buckets fit in 64 KiB; the file doubles beyond.
_INITIAL_BYTES = 64 * 1024

Key = tuple[str, str, str]


class Exemplar(NamedTuple):
    trace_id: str
    value: float
    timestamp: float


def _padded(length: int) -> int:
    return (length + 7) & ~7


class ExemplarFile:
    """One worker's exemplars, mapped in memory: a write is a copy into the map, no system call."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        self._size = _INITIAL_BYTES
        os.ftruncate(self._fd, self._size)
        self._map = mmap.mmap(self._fd, self._size)
        self._used = _USED.size
        # Per key: where its slot is, and the CRC of its key bytes that each slot's CRC continues.
        self._slots: dict[Key, tuple[int, int]] = {}

    def write(self, key: Key, trace_id: int, value: float, timestamp: float) -> None:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = self._append(key)
        offset, key_crc = slot
        data = _SLOT.pack(trace_id.to_bytes(16, "big"), value, timestamp)
        self._map[offset : offset + _SLOT_BYTES] = data + _CRC.pack(zlib.crc32(data, key_crc))

    def _append(self, key: Key) -> tuple[int, int]:
        encoded = json.dumps(key).encode()
        entry = _padded(_KEY_LENGTH.size + len(encoded)) + _SLOT_BYTES
        while self._used + entry > self._size:
            self._grow()
        start = self._used
        _KEY_LENGTH.pack_into(self._map, start, len(encoded))
        self._map[start + _KEY_LENGTH.size : start + _KEY_LENGTH.size + len(encoded)] = encoded
        self._used += entry
        # The slot is still zeros, which no CRC check passes: readers skip the entry until its first write.
        _USED.pack_into(self._map, 0, self._used)
        return start + entry - _SLOT_BYTES, zlib.crc32(encoded)

    def _grow(self) -> None:
        self._size *= 2
        os.ftruncate(self._fd, self._size)
        self._map.resize(self._size)


def _entries(content: bytes) -> Iterator[tuple[Key, Exemplar]]:
    """The whole entries of one file whose CRC holds; a torn or unwritten one is skipped."""
    if len(content) < _USED.size:
        return
    (used,) = _USED.unpack_from(content, 0)
    position = _USED.size
    end = min(used, len(content))
    while position + _KEY_LENGTH.size <= end:
        (length,) = _KEY_LENGTH.unpack_from(content, position)
        encoded = content[position + _KEY_LENGTH.size : position + _KEY_LENGTH.size + length]
        slot = position + _padded(_KEY_LENGTH.size + length)
        if slot + _SLOT_BYTES > end:
            return
        data = content[slot : slot + _SLOT.size]
        (crc,) = _CRC.unpack_from(content, slot + _SLOT.size)
        if crc == zlib.crc32(data, zlib.crc32(encoded)):
            trace_id, value, timestamp = _SLOT.unpack(data)
            method, handler, le = json.loads(encoded)
            yield (method, handler, le), Exemplar(trace_id.hex(), value, timestamp)
        position = slot + _SLOT_BYTES


def read_exemplars(directory: Path) -> dict[Key, Exemplar]:
    """Every worker's exemplars, the latest of each (method, handler, le) across the files."""
    latest: dict[Key, Exemplar] = {}
    for path in directory.glob(FILE_PATTERN):
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            continue
        for key, exemplar in _entries(content):
            known = latest.get(key)
            if known is None or exemplar.timestamp > known.timestamp:
                latest[key] = exemplar
    return latest


# One file per directory and process: apps built twice in one process (tests) share it, not truncate it.
_files: dict[Path, ExemplarFile] = {}


class ExemplarRecorder:
    """Records a request's latency exemplar in this worker's file, opened at the first one.

    Opened lazily, in the worker that records: uvicorn starts its workers as new processes, each building
    its own app, and a server that samples nothing writes no file.
    """

    def __init__(self, directory: Path, buckets: Sequence[float]) -> None:
        self._path = directory / f"{EXEMPLAR_FILE_PREFIX}{os.getpid()}{EXEMPLAR_FILE_SUFFIX}"
        self._bounds = [*buckets, float("inf")]
        # The `le` labels as prometheus_client writes them (it has no type hints).
        self._labels = [floatToGoString(bound) for bound in self._bounds]  # type: ignore[no-untyped-call]
        self._file: ExemplarFile | None = None

    def record(self, method: str, handler: str, seconds: float, trace_id: int) -> None:
        """`seconds` goes in the bucket the histogram counts it in: the first whose bound is not below it."""
        if self._file is None:
            self._file = _files.get(self._path) or _files.setdefault(self._path, ExemplarFile(self._path))
        le = self._labels[bisect.bisect_left(self._bounds, seconds)]
        self._file.write((method, handler, le), trace_id, seconds, time.time())
