"""The records API's hot operations on the service, the yardstick and the FastAPI peer, side by side."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg

from bench.machine import ForeignLoad
from bench.servers import FASTAPI_PEER, YARDSTICK, Target, peer, service, under_granian
from bench.side_by_side import (
    ALTERNATIONS,
    CONCURRENCY,
    Arguments,
    Line,
    alternating,
    deletes,
    print_rows,
    ratio,
    same,
    turn_seconds,
)
from bench.wrk import run_wrk
from devtools.postgres import PostgresCluster

SEEDED = 300_000
# The sides of every line, in the order of the table's columns.
SIDES = ("ours", "yardstick", "FastAPI")


def seeded_uuid(n: int) -> str:
    """The uuids bench/records.lua asks for: it formats the same pattern."""
    return f"{n:08x}-0000-4000-8000-000000000000"


def seed(url: str, count: int, make_uuid: Callable[[int], object] = seeded_uuid) -> None:
    """Refill the records table directly with COPY: the API under test is not the way in."""
    with psycopg.connect(url) as connection:
        connection.execute("TRUNCATE records")
        with connection.cursor().copy("COPY records (uuid, text) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row((make_uuid(n), f"seeded text {n:07d}"))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE records")


def _operations(sides: int, share: int) -> list[tuple[str, list[Arguments], int]]:
    """The four hot operations: name, records.lua's arguments for each side, records per request."""
    return [
        ("GET /{uuid}", same(("get", str(SEEDED)), sides), 1),
        ("GET /10", same(("count",), sides), 1),
        ("DELETE /{uuid}", deletes(sides, share), 1),
        ("POST /new (batches of 100)", same(("post",), sides), 100),
    ]


@contextmanager
def _targets(url: str, log: Path, **settings: str) -> Iterator[list[Target]]:
    with ExitStack() as stack:
        ours = stack.enter_context(service(url, log, 1, **settings))
        targets = [
            Target(ours.base_url, ours.pid),
            stack.enter_context(peer(YARDSTICK, url, log)),
            stack.enter_context(peer(FASTAPI_PEER, url, log)),
        ]
        for target in targets:
            run_wrk(target.base_url, "records.lua", "get", str(SEEDED), concurrency=CONCURRENCY, seconds=3)
        yield targets


def load_table(url: str, log: Path, seconds: int, cluster: PostgresCluster, **settings: str) -> list[Line]:
    """Each hot records operation on every side, in alternating turns, with the foreign load meanwhile."""
    seed(url, SEEDED)
    # Each turn deletes from its own range of seeded uuids, so that no turn deletes another's records.
    share = SEEDED // (len(SIDES) * ALTERNATIONS)

    operations = _operations(len(SIDES), share)
    lines = []
    with _targets(url, log, **settings) as targets:
        for name, arguments, per_request in operations:
            sides, foreign = alternating(targets, arguments, seconds, foreign=ForeignLoad(cluster.processes))
            lines.append(Line(name, sides, per_request, foreign))
    return lines


def print_lines(title: str, lines: list[Line], seconds: int) -> None:
    print(
        f"\n{title} on PostgreSQL, 1 uvicorn worker each, concurrency {CONCURRENCY}, {seconds} s a side in "
        f"{ALTERNATIONS} alternating turns of {turn_seconds(seconds)} s. Ours at its default settings; "
        "yardstick: bench/yardstick.py (bare Starlette + psycopg 3 + raw SQL); FastAPI: "
        "bench/fastapi_peer.py. req/s and ratios: medians over the turns; µs: the server's CPU per request; "
        "foreign: the share of the machine's CPU that processes other than the bench's took meanwhile\n"
    )
    header = (
        ("operation", 26), ("ours req/s", 10), ("yard req/s", 10), ("fapi req/s", 10), ("ours/yard", 9),
        ("ours/fapi", 9), ("ours µs", 7), ("yard µs", 7), ("fapi µs", 7), ("p99 ms", 6), ("foreign", 7),
    )  # fmt: skip
    rows = []
    for line in lines:
        ours, yard, fapi = line.sides
        figures = (
            f"{ours.per_second:,.0f}", f"{yard.per_second:,.0f}", f"{fapi.per_second:,.0f}",
            f"{ratio(ours, yard):.2f}", f"{ratio(ours, fapi):.2f}",
            f"{ours.cpu_us_per_request:,.0f}", f"{yard.cpu_us_per_request:,.0f}",
            f"{fapi.cpu_us_per_request:,.0f}", f"{ours.load.p99_ms:.1f}", f"{line.foreign_load:.0%}",
        )  # fmt: skip
        rows.append((line.name, figures))
    print_rows(header, rows)
    for line in lines:
        errors = {name: side.load.errors for name, side in zip(SIDES, line.sides, strict=True)}
        if any(errors.values()):
            print(f"{line.name}: errors {errors}")


def workers_table(url: str, log: Path, seconds: int, cluster: PostgresCluster) -> list[Line]:
    """Each hot records operation on the service with 1 and with 2 workers, in alternating turns."""
    seed(url, SEEDED)
    share = SEEDED // (2 * ALTERNATIONS)
    operations = _operations(2, share)
    lines = []
    with service(url, log, workers=1) as one, service(url, log, workers=2) as two:
        targets = [Target(one.base_url, one.pid), Target(two.base_url, two.pid)]
        for target in targets:
            run_wrk(target.base_url, "records.lua", "get", str(SEEDED), concurrency=CONCURRENCY, seconds=3)
        for name, arguments, per_request in operations:
            sides, foreign = alternating(targets, arguments, seconds, foreign=ForeignLoad(cluster.processes))
            lines.append(Line(name, sides, per_request, foreign))
    return lines


def print_workers(lines: list[Line], seconds: int) -> None:
    print(
        f"\nrecords API with 1 and 2 uvicorn workers on {os.cpu_count()} cores, concurrency {CONCURRENCY}, "
        f"{seconds} s a side in {ALTERNATIONS} alternating turns; µs: CPU per request of all the workers\n"
    )
    header = (("operation", 26), ("1w req/s", 9), ("2w req/s", 9), ("2w/1w", 6), ("1w µs", 6), ("2w µs", 6),
              ("1w p99", 7), ("2w p99", 7), ("foreign", 7))  # fmt: skip
    rows = []
    for line in lines:
        one, two = line.sides
        figures = (
            f"{one.per_second:,.0f}", f"{two.per_second:,.0f}", f"{ratio(two, one):.2f}",
            f"{one.cpu_us_per_request:,.0f}", f"{two.cpu_us_per_request:,.0f}",
            f"{one.load.p99_ms:.1f}", f"{two.load.p99_ms:.1f}", f"{line.foreign_load:.0%}",
        )  # fmt: skip
        rows.append((line.name, figures))
    print_rows(header, rows)


# The sides of the servers table: each app under each server.
SERVER_SIDES = ("yardstick, uvicorn", "yardstick, granian", "ours, uvicorn", "ours, granian")


def servers_table(url: str, log: Path, seconds: int, cluster: PostgresCluster) -> list[Line]:
    """Each hot records operation on the yardstick and on ours, each under uvicorn and under granian."""
    seed(url, SEEDED)
    share = SEEDED // (len(SERVER_SIDES) * ALTERNATIONS)
    lines = []
    with ExitStack() as stack:
        ours = stack.enter_context(service(url, log, 1))
        targets = [
            stack.enter_context(peer(YARDSTICK, url, log)),
            stack.enter_context(under_granian(f"{YARDSTICK}:app_from_env", url, log, factory=True)),
            Target(ours.base_url, ours.pid),
            stack.enter_context(under_granian("server.asgi:app", url, log)),
        ]
        for target in targets:
            run_wrk(target.base_url, "records.lua", "get", str(SEEDED), concurrency=CONCURRENCY, seconds=3)
        for name, arguments, per_request in _operations(len(SERVER_SIDES), share):
            sides, foreign = alternating(targets, arguments, seconds, foreign=ForeignLoad(cluster.processes))
            lines.append(Line(name, sides, per_request, foreign))
    return lines


def print_servers(lines: list[Line], seconds: int) -> None:
    print(
        f"\nrecords API under uvicorn and granian (one worker, uvloop, no access log), concurrency "
        f"{CONCURRENCY}, {seconds} s a side in {ALTERNATIONS} alternating turns; yu: the yardstick under "
        "uvicorn, yg: under granian, ou: ours under uvicorn (python -m server), og: ours under granian\n"
    )
    header = (("operation", 26), ("yu req/s", 8), ("yg req/s", 8), ("ou req/s", 8), ("og req/s", 8),
              ("yg/yu", 5), ("og/ou", 5), ("ou/yu", 5), ("og/yu", 5), ("og µs", 5), ("ou µs", 5),
              ("foreign", 7))  # fmt: skip
    rows = []
    for line in lines:
        yu, yg, ou, og = line.sides
        figures = (
            *(f"{side.per_second:,.0f}" for side in line.sides),
            f"{ratio(yg, yu):.2f}", f"{ratio(og, ou):.2f}", f"{ratio(ou, yu):.2f}", f"{ratio(og, yu):.2f}",
            f"{og.cpu_us_per_request:,.0f}", f"{ou.cpu_us_per_request:,.0f}", f"{line.foreign_load:.0%}",
        )  # fmt: skip
        rows.append((line.name, figures))
    print_rows(header, rows)
