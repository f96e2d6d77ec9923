"""Starting the server prints nothing but its own log lines: no library warning reaches the user."""

from __future__ import annotations

from pathlib import Path

from devtools.server import ServerProcess


def test_startup_prints_no_warning(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with ServerProcess(f"sqlite:///{tmp_path / 'fresh.db'}", log_path=log):
        pass
    output = log.read_text()
    assert "Warning" not in output, output
