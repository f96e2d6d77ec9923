"""Build the contracts' reference pages with Redocly: `python -m scripts.build_reference [OUTPUT_DIR]`.

`make docs` writes them to docs/api/, committed as generated_client/ is: the image has no Node.js, and the
server serves them as built (GET /docs, GET /docs/chat). The drift test builds them into a temporary
directory and compares, so both run exactly this. Each page is one file with Redoc inlined
(`--inlineBundle`): without it the page loads Redoc from Redocly's CDN and shows nothing offline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from server.config.paths import ASYNCAPI_PATH, PROJECT_ROOT, REFERENCE_DIR, SPEC_PATH

REDOCLY = PROJECT_ROOT / "node_modules" / ".bin" / "redocly"


class Page(NamedTuple):
    file_name: str
    source: Path
    title: str


PAGES = (
    Page("index.html", SPEC_PATH, "Records and Shop service: API reference"),
    Page("chat.html", ASYNCAPI_PATH, "Records and Shop service: chat reference"),
)


def build(output: Path) -> None:
    if not REDOCLY.exists():
        raise SystemExit(f"{REDOCLY.relative_to(PROJECT_ROOT)} is missing: `make install` runs npm ci")
    output.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        subprocess.run(
            [
                str(REDOCLY),
                "build-docs",
                str(page.source.relative_to(PROJECT_ROOT)),
                "--inlineBundle",
                "--title",
                page.title,
                "--output",
                str(output / page.file_name),
            ],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
        )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE_DIR)
