"""Generate the typed client package from the contract: `python -m scripts.generate_client [OUTPUT]`.

`make generate-client` writes it to generated_client/; the drift test writes it to a temporary directory
and compares, so both run exactly this.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.config.paths import PROJECT_ROOT, SPEC_PATH

CONFIG = PROJECT_ROOT / "openapi" / "client-config.yaml"
DEFAULT_OUTPUT = PROJECT_ROOT / "generated_client"


def generate(output: Path) -> None:
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC_PATH),
            "--config",
            str(CONFIG),
            "--meta",
            "uv",
            "--output-path",
            str(output),
            "--overwrite",
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
        text=True,
        # The generator's post-hooks run ruff: the one installed beside this interpreter.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
