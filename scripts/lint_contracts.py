"""The contracts' linters, as `make lint` runs them: `python -m scripts.lint_contracts`.

Spectral and Redocly on openapi/openapi.yaml, the AsyncAPI CLI on openapi/asyncapi.yaml, each from the
repository root with its recommended rules and our configuration (.spectral.yaml, redocly.yaml), as
package.json pins them (`make install` runs npm ci). A warning fails as an error does: Spectral and the
AsyncAPI CLI are told so; Redocly cannot be, so its JSON report is counted. A passing tool prints one line,
a failing one everything it said.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from server.config.paths import PROJECT_ROOT

BIN = PROJECT_ROOT / "node_modules" / ".bin"
OPENAPI = "openapi/openapi.yaml"
ASYNCAPI = "openapi/asyncapi.yaml"
# No usage data leaves the machine, and no notice about newer versions clutters the output. The AsyncAPI CLI
# still tries to send its anonymous metrics and says it failed: harmless, and no setting silences it.
QUIET = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "SUPPRESS_NO_CONFIG_WARNING": "true",
}


class Linter(NamedTuple):
    name: str
    command: list[str]
    # Reads the run's output; None when it is clean, else why it is not.
    verdict: Callable[[subprocess.CompletedProcess[str]], str | None]


def _by_exit_status(run: subprocess.CompletedProcess[str]) -> str | None:
    return None if run.returncode == 0 else f"exit status {run.returncode}"


def _redocly_totals(run: subprocess.CompletedProcess[str]) -> str | None:
    try:
        totals = json.loads(run.stdout)["totals"]
    except (ValueError, KeyError):
        return f"exit status {run.returncode}, no JSON report"
    if run.returncode == 0 and totals["errors"] == 0 and totals["warnings"] == 0:
        return None
    return f"{totals['errors']} error(s), {totals['warnings']} warning(s)"


def _redocly_problems(report: str) -> str:
    """Redocly's JSON report as one line a problem: where, severity, rule, message."""
    lines = []
    for problem in json.loads(report)["problems"]:
        location = problem["location"][0]
        where = f"{location['source']['ref']}:{location['start']['line']}:{location['start']['col']}"
        lines.append(f"{where} {problem['severity']} {problem['ruleId']}: {problem['message']}")
    return "\n".join(lines)


LINTERS = (
    Linter(
        "spectral",
        [str(BIN / "spectral"), "lint", "--fail-severity=warn", "--ruleset", ".spectral.yaml", OPENAPI],
        _by_exit_status,
    ),
    Linter(
        "redocly",
        [str(BIN / "redocly"), "lint", "--lint-config=error", "--format=json", OPENAPI],
        _redocly_totals,
    ),
    Linter(
        "asyncapi",
        [str(BIN / "asyncapi"), "validate", "--fail-severity=warn", ASYNCAPI],
        _by_exit_status,
    ),
)


def run(linter: Linter) -> bool:
    """Run one linter; whether it passed. It prints one line, or all it said when it failed."""
    completed = subprocess.run(
        linter.command, cwd=PROJECT_ROOT, capture_output=True, text=True, env={**os.environ, **QUIET}
    )
    failure = linter.verdict(completed)
    if failure is None:
        print(f"{linter.name}: no errors, no warnings ({Path(linter.command[-1]).name})")
        return True
    output = completed.stdout
    if linter.name == "redocly" and completed.stdout.lstrip().startswith("{"):
        output = _redocly_problems(completed.stdout)
    print(f"{linter.name}: {failure}\n{output}{completed.stderr}", file=sys.stderr)
    return False


def main() -> int:
    missing = [linter.name for linter in LINTERS if not Path(linter.command[0]).exists()]
    if missing:
        print(f"lint_contracts: {', '.join(missing)} missing: `make install` runs npm ci", file=sys.stderr)
        return 2
    # Every linter runs, so that one run shows every problem.
    results = [run(linter) for linter in LINTERS]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
