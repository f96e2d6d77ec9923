"""Headless Chromium driven by Playwright: Debian's `chromium`, never Playwright's own download."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; the rest keeps a run from
# reaching the network or doing first-run work.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = "chromium is not installed: run scripts/ensure_chromium.sh (apt-get install chromium)"


class ChromiumUnavailable(RuntimeError):
    pass


def chromium_path() -> str | None:
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = chromium_path()
    if executable is None:
        raise ChromiumUnavailable(MISSING)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
