"""A scrape reads every worker's exemplar file: the latest exemplar of each series and bucket wins, and a
slot read while its worker rewrote it (its CRC fails) is left out, never shown with another's trace id."""

from __future__ import annotations

from pathlib import Path

from server.observability.exemplars import FILE_PATTERN, Exemplar, ExemplarFile, read_exemplars

KEY = ("GET", "/{key}", "0.005")
TRACE_A, TRACE_B = 0xA1 << 120, 0xB2 << 120


def _file(directory: Path, pid: int) -> ExemplarFile:
    return ExemplarFile(directory / FILE_PATTERN.replace("*", str(pid)))


def test_the_latest_exemplar_of_a_bucket_wins_across_workers(tmp_path: Path) -> None:
    _file(tmp_path, 1).write(KEY, TRACE_B, 0.004, timestamp=200.0)
    _file(tmp_path, 2).write(KEY, TRACE_A, 0.003, timestamp=100.0)
    assert read_exemplars(tmp_path) == {KEY: Exemplar(f"{TRACE_B:032x}", 0.004, 200.0)}


def test_a_rewritten_slot_reads_as_its_last_write(tmp_path: Path) -> None:
    worker = _file(tmp_path, 1)
    worker.write(KEY, TRACE_A, 0.003, timestamp=100.0)
    worker.write(KEY, TRACE_B, 0.004, timestamp=200.0)
    assert read_exemplars(tmp_path) == {KEY: Exemplar(f"{TRACE_B:032x}", 0.004, 200.0)}


def test_a_torn_slot_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    other = ("GET", "/healthz", "0.001")
    worker = _file(tmp_path, 1)
    worker.write(KEY, TRACE_A, 0.003, timestamp=100.0)
    worker.write(other, TRACE_B, 0.0007, timestamp=100.0)
    path = next(tmp_path.glob(FILE_PATTERN))
    content = bytearray(path.read_bytes())
    # Half of a newer trace id over the first slot's, as a scrape copying it mid-write would see it.
    first_trace_id = content.index(TRACE_A.to_bytes(16, "big"))
    content[first_trace_id : first_trace_id + 8] = bytes.fromhex("c3" * 8)
    path.write_bytes(content)
    assert read_exemplars(tmp_path) == {other: Exemplar(f"{TRACE_B:032x}", 0.0007, 100.0)}


def test_a_file_grows_beyond_its_first_size_and_keeps_every_series(tmp_path: Path) -> None:
    worker = _file(tmp_path, 1)
    keys = [("GET", f"/route/{number}", "+Inf") for number in range(2000)]
    for number, key in enumerate(keys):
        worker.write(key, TRACE_A + number, 20.0, timestamp=float(number))
    assert set(read_exemplars(tmp_path)) == set(keys)
