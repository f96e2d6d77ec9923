"""`make fuzz` runs clean: the same Schemathesis command, bounded and seeded, with its report saved."""

from __future__ import annotations

import pytest

from scripts import fuzz

pytestmark = pytest.mark.slow

SEED = 7


def test_a_bounded_seeded_fuzz_run_finds_nothing_and_saves_its_report() -> None:
    assert fuzz.main(["--max-examples", "10", "--seed", str(SEED)]) == 0
    report_dir = fuzz.REPORTS / f"fuzz-{SEED}"
    assert list(report_dir.glob("junit-*.xml"))
    assert (report_dir / "server.log").exists()
